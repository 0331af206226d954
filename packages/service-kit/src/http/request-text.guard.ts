import { BadRequestException, type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { listProblems } from './problem-list.js';
import { type RequestInput, requestProblems } from './request-problems.js';

/**
 * Refuses (400 naming each field) a request whose path parameters, query values or JSON body
 * carry text the platform does not take: NUL and other control characters but tab, LF and CR, DEL,
 * lone UTF-16 surrogates, over-long parameters and keys, bodies nested too deep (`requestProblems`).
 * Registered for every route by startApp, so no handler and no database sees such text.
 */
@Injectable()
export class RequestTextGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const { problems, total } = requestProblems(context.switchToHttp().getRequest<RequestInput>());
    if (total > 0) throw new BadRequestException(listProblems(problems, total));
    return true;
  }
}
