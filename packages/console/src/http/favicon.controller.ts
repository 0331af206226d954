import { Public } from '@distillery/service-kit';
import { Controller, Get, Header, HttpCode } from '@nestjs/common';

/**
 * The browser asks every origin for /favicon.ico, a run report too (the console's own pages say
 * `data:`): an empty answer, so no page of the console logs a failed request.
 */
@Controller()
@Public()
export class FaviconController {
  @Get('favicon.ico')
  @HttpCode(204)
  @Header('cache-control', 'max-age=86400')
  icon(): void {}
}
