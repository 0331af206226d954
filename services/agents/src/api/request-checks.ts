import { echo, textProblem } from '@distillery/contracts';
import type { CreateSessionRequest__Output, GetSessionRequest__Output, GetTurnTraceRequest__Output, SendMessageRequest__Output } from '@distillery/proto';
import type { Caller } from '@distillery/service-kit';
import { status } from '@grpc/grpc-js';
import { ApiError } from './api-error.js';
import { SERVING_MODEL_KEY } from './pinned-model.js';

/**
 * The longest value each string field of the agents API accepts, in characters; the customer's
 * message has its own limit (DISTILLERY_AGENTS_MAX_MESSAGE_CHARS). agents.proto says the same.
 */
export const FIELD_LIMITS = {
  /** session_id, turn_id, client_message_id, customer_ref, campaign_id, vehicle_status.vin, tool_availability.tool. */
  id: 128,
  /** A BCP 47 tag needs at most 35 (RFC 5646 §4.4.1). */
  locale: 35,
  metadataEntries: 32,
  metadataKey: 64,
  metadataValue: 512,
  /** metadata `serving_model`, as DISTILLERY_SERVING_MODEL. */
  servingModel: 256,
  reason: 512,
  mergePatchJson: 16_384,
} as const;

/**
 * Refuses `value` with INVALID_ARGUMENT naming `field` when it is over `max` characters or holds
 * what `textProblem` refuses (NUL and the other control characters but tab, LF and CR; DEL; lone
 * surrogates). Nothing of it is quoted back: the field's name and the limit or the problem suffice.
 */
export function checkText(field: string, value: string, max: number): void {
  if (value.length > max) throw invalid(`${field} is ${value.length} characters, over the ${max}-character limit`);
  const problem = textProblem(value);
  if (problem) throw invalid(`${field} ${problem}`);
}

export function checkCreateSession(request: CreateSessionRequest__Output): void {
  if (!request.customerRef) throw invalid('customer_ref is required');
  checkText('customer_ref', request.customerRef, FIELD_LIMITS.id);
  checkText('locale', request.locale, FIELD_LIMITS.locale);
  checkText('campaign_id', request.campaignId, FIELD_LIMITS.id);
  // An enum value this build does not know arrives as its number.
  if (typeof request.source !== 'string') throw invalid(`source ${String(request.source)} is not a Source`);
  const entries = Object.entries(request.metadata);
  if (entries.length > FIELD_LIMITS.metadataEntries) throw invalid(`metadata has ${entries.length} entries, over the limit of ${FIELD_LIMITS.metadataEntries}`);
  for (const [key, value] of entries) {
    if (key.length > FIELD_LIMITS.metadataKey) throw invalid(`metadata key ${echo(key)} is over the ${FIELD_LIMITS.metadataKey}-character limit`);
    const problem = textProblem(key);
    if (problem) throw invalid(`metadata key ${echo(key)} ${problem}`);
    checkText(`metadata[${echo(key)}]`, value, FIELD_LIMITS.metadataValue);
  }
}

/** What makes a caller an admin of the agents, as errors name it. */
export const ADMIN_SOURCES = 'an admin key of DISTILLERY_AGENTS_API_KEYS, or DISTILLERY_AGENTS_ADMIN_TENANTS';

/** An admin of the agents (business changes, pinned serving models): its key's role is admin, or its tenant is an admin tenant. */
export function isAdmin(caller: Caller, adminTenants: ReadonlySet<string> | undefined): boolean {
  return caller.role === 'admin' || (adminTenants?.has(caller.tenant) ?? false);
}

/** Who may pin a session's serving model: the agents' backend (DISTILLERY_AGENTS_BACKEND) and its admin tenants. */
export interface ServingModelPolicy {
  readonly backend?: string;
  readonly adminTenants?: ReadonlySet<string>;
}

/**
 * Refuses a new session's `serving_model` metadata (pinned-model.ts) unless it names a model
 * (1–256 characters), the caller's tenant is an admin tenant (else PERMISSION_DENIED, before
 * anything of the service's setup is told) and the backend is `serving` (else INVALID_ARGUMENT:
 * no other backend has serving models to pick from). Run after `checkCreateSession`.
 */
export function checkServingModel(metadata: Readonly<Record<string, string>>, caller: Caller, policy: ServingModelPolicy): void {
  const model = metadata[SERVING_MODEL_KEY];
  if (model === undefined) return;
  const field = `metadata.${SERVING_MODEL_KEY}`;
  if (!model) throw invalid(`${field} is empty; name a model of the serving service (e.g. student-dealership@ckpt_0007)`);
  checkText(field, model, FIELD_LIMITS.servingModel);
  if (!isAdmin(caller, policy.adminTenants)) throw new ApiError(status.PERMISSION_DENIED, `${field}: tenant ${caller.tenant} may not pin the serving model (${ADMIN_SOURCES})`);
  if (policy.backend !== 'serving') throw invalid(`${field} pins a model of the serving service, but this agents service's backend is ${policy.backend ?? 'unset'}, not serving (DISTILLERY_AGENTS_BACKEND)`);
}

export function checkSendMessage(request: SendMessageRequest__Output, maxMessageChars: number): void {
  checkSessionId(request.sessionId);
  checkText('text', request.text, maxMessageChars);
  if (!request.text.trim()) throw invalid('text is empty');
  checkText('client_message_id', request.clientMessageId, FIELD_LIMITS.id);
}

export function checkGetSession(request: GetSessionRequest__Output): void {
  checkSessionId(request.sessionId);
}

export function checkGetTurnTrace(request: GetTurnTraceRequest__Output): void {
  checkSessionId(request.sessionId);
  if (!request.turnId) throw invalid('turn_id is required');
  checkText('turn_id', request.turnId, FIELD_LIMITS.id);
}

function checkSessionId(sessionId: string): void {
  if (!sessionId) throw invalid('session_id is required');
  checkText('session_id', sessionId, FIELD_LIMITS.id);
}

function invalid(message: string): ApiError {
  return new ApiError(status.INVALID_ARGUMENT, message);
}
