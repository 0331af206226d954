import { UnauthenticatedError } from '../errors/serving.errors.js';

/** The API key of a request: `Authorization: Bearer <key>` (what OpenAI clients send) or `x-api-key`; '' for an authorization that is not a bearer key. */
export function apiKeyOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? '';
  const key = headers['x-api-key'];
  return typeof key === 'string' ? key : undefined;
}

/** The keys the APIs accept (DISTILLERY_SERVING_API_KEYS), each naming its tenant. */
export class ApiKeys {
  constructor(private readonly keys: ReadonlyMap<string, string>) {}

  /** The key's tenant; UnauthenticatedError for no key or one not known. */
  authenticate(key: string | undefined): string {
    const tenant = key ? this.keys.get(key) : undefined;
    if (!tenant) throw new UnauthenticatedError(key !== undefined);
    return tenant;
  }
}
