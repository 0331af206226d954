import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { apiKeyOf, type ApiKeyring, type Caller, RoleDeniedError, UnknownApiKeyError } from './api-keys.js';
import { ROUTE_ACCESS, type RouteAccess } from './roles.decorator.js';

interface KeyedRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Express's matched route: its pattern, never the caller's text. */
  readonly route?: { readonly path?: string };
  /** The caller, for handlers that answer per tenant. */
  caller?: Caller;
}

/**
 * Every HTTP route's lock, registered for the whole app by startApp: 401 without a key the keyring
 * knows, 403 when the key's role is below the route's (`@RequireRole`; `admin` when a route declares
 * nothing), open for `@Public()` routes and for `@Probe()` ones unless probes are closed.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keyring: ApiKeyring,
    private readonly openProbes: boolean,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const declared = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]);
    if (declared === 'public' || (declared === 'probe' && this.openProbes)) return true;
    const needed = declared === undefined ? 'admin' : declared === 'probe' ? 'operator' : declared;
    const request = context.switchToHttp().getRequest<KeyedRequest>();
    try {
      request.caller = this.keyring.authorize(apiKeyOf(request.headers), needed, `${request.method} ${request.route?.path ?? context.getClass().name}`);
      return true;
    } catch (error) {
      if (error instanceof UnknownApiKeyError) throw new UnauthorizedException({ statusCode: 401, message: error.message, error: 'Unauthorized', code: 'invalid_api_key' });
      if (error instanceof RoleDeniedError) throw new ForbiddenException({ statusCode: 403, message: error.message, error: 'Forbidden', code: 'insufficient_role' });
      throw error;
    }
  }
}
