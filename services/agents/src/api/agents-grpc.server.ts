import type { AgentServiceHandlers, BusinessChange__Output, DealershipAdminServiceHandlers, Session } from '@distillery/proto';
import { agentsV1, type GrpcServerTls, grpcServerCredentials, protoDir, undecodable, withUndecodableRequests } from '@distillery/proto';
import { ReflectionService } from '@grpc/reflection';
import { type Metadata, Server, type ServiceError, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import { valueTextProblem } from '@distillery/contracts';
import { type BusinessChange, type BusinessChanges, InvalidBusinessChangeError, type JsonValue } from '@distillery/dealership';
import { ModelCallError } from '@distillery/llm';
import { apiKeyOfMetadata, type ApiKeyring, type Caller, tracedGrpcHandlers } from '@distillery/service-kit';
import { join } from 'node:path';
import type { SessionEntity } from '../sessions/session.entity.js';
import { SessionNotFoundError } from '../sessions/session-not-found.error.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { TurnEntity } from '../sessions/turn.entity.js';
import { ApiError } from './api-error.js';
import type { ConversationService } from './conversation.service.js';
import type { RateLimiter } from './rate-limiter.js';
import { ADMIN_SOURCES, checkCreateSession, checkGetSession, checkGetTurnTrace, checkSendMessage, checkServingModel, checkText, FIELD_LIMITS, isAdmin } from './request-checks.js';
import { AGENTS, TurnProgressStream } from './turn-progress-stream.js';

export interface AgentsApiOptions {
  readonly apiKeys: ApiKeyring;
  readonly rateLimiter: RateLimiter;
  /** Longest customer message accepted, in characters. */
  readonly maxMessageChars: number;
  /** Where unexpected failures are logged (the caller only sees INTERNAL). */
  readonly onUnexpected?: (error: unknown, method: string) => void;
  /** The business changes the DealershipAdminService applies; without them the service is not offered. */
  readonly businessChanges?: BusinessChanges;
  /** Tenants allowed to change the business and to pin a session's serving model (DISTILLERY_AGENTS_ADMIN_TENANTS). */
  readonly adminTenants?: ReadonlySet<string>;
  /** The backend the turns use (DISTILLERY_AGENTS_BACKEND): only `serving` lets a session pin its model (metadata `serving_model`). */
  readonly backend?: string;
  /** Told of every business change applied, for the log. */
  readonly onBusinessChange?: (change: BusinessChange, tenant: string, reason: string) => void;
  /** TLS (DISTILLERY_TLS_CERT / _KEY / _CA / _CLIENT_AUTH); plaintext when absent. */
  readonly tls?: GrpcServerTls;
}

const SERVICE_NAME = 'distillery.agents.v1.AgentService';

/**
 * The agents service's gRPC API for product apps and the simulator: sessions, messages (unary and
 * streamed), traces. API keys in `x-api-key` metadata map to tenants; gRPC health and reflection.
 * A request that does not decode, or with a field over its limit or holding control characters or
 * lone surrogates (request-checks.ts), is INVALID_ARGUMENT before anything is read or written.
 */
export class AgentsGrpcServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 1024 * 1024 });
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE_NAME]: 'NOT_SERVING' });
  private port = 0;

  constructor(
    private readonly store: SessionStore,
    private readonly conversations: ConversationService,
    private readonly options: AgentsApiOptions,
  ) {
    this.server.addService(withUndecodableRequests(agentsV1().AgentService.service), tracedGrpcHandlers('distillery.agents.v1.AgentService', this.handlers()));
    if (options.businessChanges) this.server.addService(withUndecodableRequests(agentsV1().DealershipAdminService.service), tracedGrpcHandlers('distillery.agents.v1.DealershipAdminService', this.adminHandlers(options.businessChanges)));
    this.health.addToServer(this.server);
    const dir = protoDir();
    new ReflectionService(loadSync(join(dir, 'distillery/agents/v1/agents.proto'), { includeDirs: [dir] })).addToServer(this.server);
  }

  async start(host: string, port: number): Promise<number> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${port}`, grpcServerCredentials(this.options.tls), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    this.health.setStatus('', 'SERVING');
    this.health.setStatus(SERVICE_NAME, 'SERVING');
    return this.port;
  }

  /** Stops taking calls, lets those in flight finish (up to `graceMs`), then closes. */
  private respond<T>(callback: (error: ServiceError | null, value?: T) => void, work: () => Promise<T>, method = 'unary'): void {
    work().then(
      (value) => callback(null, value),
      (error: unknown) => callback(this.toServiceError(error, method)),
    );
  }

  private toServiceError(error: unknown, method: string): ServiceError {
    return toServiceError(error, () => this.options.onUnexpected?.(error, method));
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.health.setStatus('', 'NOT_SERVING');
    this.health.setStatus(SERVICE_NAME, 'NOT_SERVING');
    await Promise.race([
      new Promise<void>((resolve) => this.server.tryShutdown(() => resolve())),
      new Promise<void>((resolve) => setTimeout(resolve, graceMs)),
    ]);
    this.server.forceShutdown();
  }

  private callerOf(metadata: Metadata): Caller {
    let caller: Caller;
    try {
      caller = this.options.apiKeys.authenticate(apiKeyOfMetadata(metadata));
    } catch {
      throw new ApiError(status.UNAUTHENTICATED, 'missing or unknown API key (metadata x-api-key, or authorization: Bearer <key>)');
    }
    if (!this.options.rateLimiter.tryTake(caller.tenant)) throw new ApiError(status.RESOURCE_EXHAUSTED, `tenant ${caller.tenant} is over its request rate; retry later`);
    return caller;
  }

  /** The caller, once the request decoded and `check` found its fields acceptable. */
  private accept<R extends object>(call: { metadata: Metadata; request: R }, check: (request: R) => void): Caller {
    const caller = this.callerOf(call.metadata);
    const failure = undecodable(call.request);
    if (failure) throw new ApiError(status.INVALID_ARGUMENT, failure.message);
    check(call.request);
    return caller;
  }

  private handlers(): AgentServiceHandlers {
    return {
      CreateSession: (call, callback) =>
        this.respond(callback, async () => {
          const caller = this.accept(call, checkCreateSession);
          checkServingModel(call.request.metadata, caller, this.options);
          const tenant = caller.tenant;
          const session = await this.store.create({
            tenant,
            customerRef: call.request.customerRef,
            locale: call.request.locale || 'en-US',
            source: call.request.source === 'SIMULATION' ? 'simulation' : 'production',
            ...(call.request.campaignId ? { campaignId: call.request.campaignId } : {}),
            metadata: call.request.metadata,
          });
          return sessionMessage(session, []);
        }),
      GetSession: (call, callback) =>
        this.respond(callback, async () => {
          const session = await this.store.get(this.accept(call, checkGetSession).tenant, call.request.sessionId);
          return sessionMessage(session, await this.store.turns(session.id));
        }),
      GetTurnTrace: (call, callback) =>
        this.respond(callback, async () => {
          const turn = await this.store.turn(this.accept(call, checkGetTurnTrace).tenant, call.request.sessionId, call.request.turnId);
          return traceMessage(turn);
        }),
      SendMessage: (call, callback) =>
        this.respond(callback, async () => {
          const tenant = this.accept(call, (request) => checkSendMessage(request, this.options.maxMessageChars)).tenant;
          return this.withinDeadline(call.getDeadline(), () =>
            this.conversations.send({ tenant, sessionId: call.request.sessionId, text: call.request.text, ...(call.request.clientMessageId ? { clientMessageId: call.request.clientMessageId } : {}) }),
          );
        }),
      StreamMessage: (call) => {
        const stream = new TurnProgressStream(call);
        void (async () => {
          try {
            const tenant = this.accept(call, (request) => checkSendMessage(request, this.options.maxMessageChars)).tenant;
            const reply = await this.withinDeadline(call.getDeadline(), () =>
              this.conversations.send(
                { tenant, sessionId: call.request.sessionId, text: call.request.text, ...(call.request.clientMessageId ? { clientMessageId: call.request.clientMessageId } : {}) },
                stream.progress,
              ),
            );
            stream.reply(reply);
          } catch (error) {
            stream.fail(this.toServiceError(error, 'StreamMessage'));
          }
        })();
      },
    };
  }

  private adminHandlers(changes: BusinessChanges): DealershipAdminServiceHandlers {
    return {
      ApplyBusinessChange: (call, callback) =>
        this.respond(
          callback,
          async () => {
            const caller = this.accept(call, (request) => checkText('reason', request.reason, FIELD_LIMITS.reason));
            const tenant = caller.tenant;
            if (!isAdmin(caller, this.options.adminTenants)) throw new ApiError(status.PERMISSION_DENIED, `tenant ${tenant} may not change the business (${ADMIN_SOURCES})`);
            const change = businessChangeOf(call.request);
            const outcome = await changes.apply(change);
            this.options.onBusinessChange?.(change, tenant, call.request.reason);
            return {
              rulesVersion: outcome.rulesVersion,
              rulesJson: JSON.stringify(outcome.rules),
              previousRulesJson: JSON.stringify(outcome.previousRules),
              previousVehicleStatus: outcome.previousVehicleStatus ?? '',
            };
          },
          'ApplyBusinessChange',
        ),
    };
  }

  /** Honours the caller's deadline: past it the call answers DEADLINE_EXCEEDED (a turn that completes later is still recorded). */
  private withinDeadline<T>(deadline: Date | number, work: () => Promise<T>): Promise<T> {
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    if (!Number.isFinite(at)) return work();
    const left = at - Date.now();
    if (left <= 0) return Promise.reject(new ApiError(status.DEADLINE_EXCEEDED, 'deadline already passed'));
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      work(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ApiError(status.DEADLINE_EXCEEDED, `deadline of ${left} ms exceeded`)), left))),
    ]).finally(() => clearTimeout(timer));
  }
}

/**
 * The change a request asks for; INVALID_ARGUMENT when it names none, a field is over its limit or
 * holds refused text (inside the patch's JSON strings too), or the patch is not a JSON object.
 */
function businessChangeOf(request: BusinessChange__Output): BusinessChange {
  if (request.vehicleStatus) {
    if (!request.vehicleStatus.vin) throw new ApiError(status.INVALID_ARGUMENT, 'vehicle_status.vin is required');
    checkText('vehicle_status.vin', request.vehicleStatus.vin, FIELD_LIMITS.id);
    return { kind: 'vehicle-status', vin: request.vehicleStatus.vin, sold: request.vehicleStatus.sold };
  }
  if (request.rulesPatch) {
    checkText('rules_patch.merge_patch_json', request.rulesPatch.mergePatchJson, FIELD_LIMITS.mergePatchJson);
    let patch: JsonValue;
    try {
      patch = JSON.parse(request.rulesPatch.mergePatchJson) as JsonValue;
    } catch (error) {
      throw new ApiError(status.INVALID_ARGUMENT, `rules_patch.merge_patch_json is not JSON: ${(error as Error).message}`);
    }
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new ApiError(status.INVALID_ARGUMENT, 'rules_patch.merge_patch_json must be a JSON object');
    // JSON escapes (\u0000, a lone \ud800) carry what the text check refused in the raw string.
    const problem = valueTextProblem(patch);
    if (problem) throw new ApiError(status.INVALID_ARGUMENT, `rules_patch.merge_patch_json ${problem}`);
    return { kind: 'rules-patch', patch };
  }
  if (request.toolAvailability) {
    if (!request.toolAvailability.tool) throw new ApiError(status.INVALID_ARGUMENT, 'tool_availability.tool is required');
    checkText('tool_availability.tool', request.toolAvailability.tool, FIELD_LIMITS.id);
    return { kind: 'tool-availability', tool: request.toolAvailability.tool, available: request.toolAvailability.available };
  }
  throw new ApiError(status.INVALID_ARGUMENT, 'a business change names one of vehicle_status, rules_patch, tool_availability');
}

function toServiceError(error: unknown, onUnexpected: () => void): ServiceError {
  const [code, message] =
    error instanceof ApiError
      ? [error.code, error.message]
      : error instanceof InvalidBusinessChangeError
        ? [error.reason === 'not-found' ? status.NOT_FOUND : status.INVALID_ARGUMENT, error.message]
        : error instanceof SessionNotFoundError
          ? [status.NOT_FOUND, error.message]
          : error instanceof ModelCallError
            ? [status.UNAVAILABLE, error.message]
            : (onUnexpected(), [status.INTERNAL, 'internal error']);
  return Object.assign(new Error(message), { code, details: message, metadata: undefined as unknown as Metadata }) as ServiceError;
}

function sessionMessage(session: SessionEntity, turns: TurnEntity[]): Session {
  return {
    sessionId: session.id,
    tenant: session.tenant,
    customerRef: session.customerRef,
    locale: session.locale,
    source: session.source === 'simulation' ? 'SIMULATION' : 'PRODUCTION',
    campaignId: session.campaignId ?? '',
    ended: session.ended,
    createdAt: timestamp(session.createdAt),
    metadata: session.metadata,
    turns: turns.map((turn) => ({ turnId: turn.id, index: turn.index, userMessage: turn.userMessage, reply: turn.reply, createdAt: timestamp(turn.createdAt) })),
  };
}

function timestamp(date: Date) {
  const ms = date.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

interface StoredTrace {
  calls: Array<{ agent: keyof typeof AGENTS; attempt: number; prompt: string; output: string; backend: string; model: string; latencyMs: number; inputTokens: number; outputTokens: number }>;
  toolCalls: Array<{ tool: string; args: unknown; ok: boolean; result?: unknown; error?: string; latencyMs: number }>;
  plan?: { code: string; halstead: { volume: number; difficulty: number; effort: number }; llmEvaluatorRan: boolean; replans: number };
}

function traceMessage(turn: TurnEntity) {
  const trace = turn.trace as unknown as StoredTrace;
  return {
    sessionId: turn.sessionId,
    turnId: turn.id,
    userMessage: turn.userMessage,
    reply: turn.reply,
    calls: trace.calls.map((call) => ({ ...call, agent: AGENTS[call.agent] })),
    toolCalls: trace.toolCalls.map((call) => ({ tool: call.tool, argsJson: JSON.stringify(call.args), ok: call.ok, resultJson: JSON.stringify(call.result ?? null), error: call.error ?? '', latencyMs: call.latencyMs })),
    planCode: trace.plan?.code ?? '',
    halsteadVolume: trace.plan?.halstead.volume ?? 0,
    halsteadDifficulty: trace.plan?.halstead.difficulty ?? 0,
    halsteadEffort: trace.plan?.halstead.effort ?? 0,
    llmEvaluatorRan: trace.plan?.llmEvaluatorRan ?? false,
    replans: trace.plan?.replans ?? 0,
  };
}
