import { type CanActivate, type ExecutionContext, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';
import { echo } from '@distillery/contracts';

/** The request as this guard reads it. */
interface RequestHeaders {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/**
 * Answers 415 for a request that carries a body in anything but JSON (`application/json` or
 * `application/*+json`): every route takes JSON, and a body it would not parse must not reach the
 * handler as a missing one. Registered for every route by startApp.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const { headers } = context.switchToHttp().getRequest<RequestHeaders>();
    const length = headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
    const type = headers['content-type'];
    if (!hasBody || (typeof type === 'string' && JSON_TYPE.test(type))) return true;
    throw new UnsupportedMediaTypeException(`expected a JSON body (content-type: application/json), got ${typeof type === 'string' ? echo(type) : 'no content-type'}`);
  }
}
