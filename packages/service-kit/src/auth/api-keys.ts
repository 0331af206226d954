import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Who may do what, each role allowing what the ones before it allow: a product app calls the models, an operator runs the loop, an admin changes what serves and stops jobs. */
export const ROLES = ['product', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who a request comes from: the tenant its key names and the key's role. */
export interface Caller {
  readonly tenant: string;
  readonly role: Role;
}

/** The key of a request: `Authorization: Bearer <key>` (what OpenAI clients send) or `x-api-key`; '' for an authorization that is not a bearer key. */
export function apiKeyOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? '';
  const key = headers['x-api-key'];
  return typeof key === 'string' ? key : undefined;
}

/** The key of a gRPC call, from its `authorization: Bearer <key>` or `x-api-key` metadata (grpc-js's Metadata, by its shape). */
export function apiKeyOfMetadata(metadata: { get(name: string): ReadonlyArray<string | Buffer> }): string | undefined {
  const text = (name: string) => {
    const value = metadata.get(name)[0];
    return typeof value === 'string' ? value : undefined;
  };
  return apiKeyOf({ authorization: text('authorization'), 'x-api-key': text('x-api-key') });
}

/** A request without a key, or with one no keyring entry names. */
export class UnknownApiKeyError extends Error {
  override readonly name = 'UnknownApiKeyError';
  constructor(readonly given: boolean) {
    super(given ? 'the API key is not valid' : 'no API key: send it as "Authorization: Bearer <key>" or "x-api-key: <key>"');
  }
}

/** A known key whose role is below what the call needs. */
export class RoleDeniedError extends Error {
  override readonly name = 'RoleDeniedError';
  constructor(
    readonly caller: Caller,
    readonly needed: Role,
    what: string,
  ) {
    super(`${what} needs the ${needed} role; tenant ${caller.tenant} has ${caller.role}`);
  }
}

/**
 * The API keys a service accepts, parsed from `key:tenant[:role],…`. Keys are held by their
 * SHA-256, so a lookup compares digests, never the secret, and the keys themselves are kept nowhere.
 */
export class ApiKeyring {
  private readonly callers: ReadonlyMap<string, Caller>;

  constructor(entries: Iterable<readonly [key: string, caller: Caller]>) {
    this.callers = new Map([...entries].map(([key, caller]) => [digest(key), caller]));
  }

  /** `key:tenant[:role]` pairs separated by commas; a pair without a role gets `defaultRole`. Throws naming the first bad pair (without its key). */
  static parse(spec: string, defaultRole: Role): ApiKeyring {
    const entries: Array<[string, Caller]> = [];
    for (const [index, pair] of spec.split(',').map((entry) => entry.trim()).entries()) {
      const [key, tenant, role = defaultRole, ...rest] = pair.split(':');
      if (!key || !tenant || rest.length > 0 || /\s/.test(pair)) throw new Error(`entry ${index + 1}: expected key:tenant or key:tenant:role`);
      if (!(ROLES as readonly string[]).includes(role)) throw new Error(`entry ${index + 1}: role ${JSON.stringify(role.slice(0, 40))} is not one of ${ROLES.join(', ')}`);
      entries.push([key, { tenant, role: role as Role }]);
    }
    return new ApiKeyring(entries);
  }

  /** The caller a key names; UnknownApiKeyError for no key or one not known. */
  authenticate(key: string | undefined): Caller {
    const caller = key ? this.callers.get(digest(key)) : undefined;
    if (!caller) throw new UnknownApiKeyError(key !== undefined);
    return caller;
  }

  /** The caller, if its role reaches `needed`; RoleDeniedError naming `what` otherwise. */
  authorize(key: string | undefined, needed: Role, what: string): Caller {
    const caller = this.authenticate(key);
    if (!roleReaches(caller.role, needed)) throw new RoleDeniedError(caller, needed, what);
    return caller;
  }
}

/** Whether `role` allows what `needed` allows. */
export function roleReaches(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** A config variable holding `key:tenant[:role],…`, parsed into an ApiKeyring at boot; the message names the bad entry, never a key. */
export function apiKeysSetting(defaultSpec: string, defaultRole: Role) {
  return z
    .string()
    .default(defaultSpec)
    .transform((spec, context) => {
      try {
        return ApiKeyring.parse(spec, defaultRole);
      } catch (error) {
        context.addIssue({ code: 'custom', message: `${(error as Error).message} (key:tenant[:role] pairs separated by commas; roles ${ROLES.join(', ')})` });
        return z.NEVER;
      }
    });
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('base64');
}
