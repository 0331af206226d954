import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { MAX_ERROR_MESSAGE } from '@distillery/service-kit';
import { html } from '../html/html.js';
import { page } from '../html/page.js';

interface HttpResponse {
  status(code: number): HttpResponse;
  type(contentType: string): HttpResponse;
  send(body: string): unknown;
  json(body: unknown): unknown;
}

/**
 * A console page's HTTP error as a page a person reads: its status and message (a 404 names what
 * is missing, a 400 the parameter), with a way back. A request that is not a GET (the chat's JSON
 * post) gets the platform's `{statusCode, message}` body instead. Other errors go on to the
 * platform's BoundedErrorFilter.
 */
@Catch(HttpException)
export class ConsoleErrorFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<{ readonly method: string }>();
    const response = host.switchToHttp().getResponse<HttpResponse>();
    const status = exception.getStatus();
    const answer = exception.getResponse();
    const raw = typeof answer === 'string' ? answer : (answer as { message?: unknown }).message;
    const message = (Array.isArray(raw) ? raw.join('; ') : String(raw ?? exception.message)).slice(0, MAX_ERROR_MESSAGE);
    if (request.method !== 'GET') {
      response.status(status).json({ statusCode: status, message });
      return;
    }
    const title = status === 404 ? 'Not found' : status === 400 ? 'Bad request' : `Error ${status}`;
    response
      .status(status)
      .type('text/html; charset=utf-8')
      .send(page(title, html`<p class="problem" id="error-message">${message}</p><p><a href="/console">Back to the runs</a></p>`));
  }
}
