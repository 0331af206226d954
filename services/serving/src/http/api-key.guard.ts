import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { apiKeyOf } from '../inference/api-keys.js';
import { ServingLifecycle } from '../serving-lifecycle.js';

/** 401 (OpenAI's invalid_api_key) for a request without a key the service knows. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(ServingLifecycle) private readonly lifecycle: ServingLifecycle) {}

  canActivate(context: ExecutionContext): boolean {
    this.lifecycle.runtime.keys.authenticate(apiKeyOf(context.switchToHttp().getRequest<{ headers: Readonly<Record<string, string | string[] | undefined>> }>().headers));
    return true;
  }
}
