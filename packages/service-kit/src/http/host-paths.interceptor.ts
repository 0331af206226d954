import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { map, type Observable } from 'rxjs';

/** A prefix of this host's file system and what an answer says instead. */
export interface HostPath {
  readonly prefix: string;
  readonly shownAs: string;
}

/**
 * Keeps this host's file system out of the HTTP answers (job and dataset lists, errors of jobs):
 * every string in a JSON answer has the artifact store's root (`file:///…/artifacts/` →
 * `artifact:`), the data directory (`<data>/`) and the working directory (`<app>/`) replaced, the
 * longest prefix first. Registered for every route by startApp; text answers (the console's pages)
 * pass untouched.
 */
export class HostPathsInterceptor implements NestInterceptor {
  private readonly paths: readonly HostPath[];

  constructor(paths: readonly HostPath[]) {
    this.paths = [...paths].filter((path) => path.prefix.length > 1).sort((a, b) => b.prefix.length - a.prefix.length);
  }

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((body: unknown) => (typeof body === 'object' && body !== null ? this.hide(body) : body)));
  }

  /** `value` with every host path in its strings replaced (objects and arrays copied; Dates and other instances as JSON would write them). */
  hide(value: unknown): unknown {
    if (typeof value === 'string') return this.paths.reduce((text, path) => text.split(path.prefix).join(path.shownAs), value);
    if (Array.isArray(value)) return value.map((item) => this.hide(item));
    if (typeof value !== 'object' || value === null) return value;
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return this.hide((value as { toJSON(): unknown }).toJSON());
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.hide(item)]));
  }
}
