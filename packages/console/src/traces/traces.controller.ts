import { Public } from '@distillery/service-kit';
import { Controller, Get, Header, Inject, Param, Query, UseFilters } from '@nestjs/common';
import { page } from '../html/page.js';
import { ConsoleErrorFilter } from '../http/console-error.filter.js';
import { ConsoleNotFoundError } from '../http/console-not-found.error.js';
import { idParameter, integerParameter } from '../http/query-parameters.js';
import { TraceReader } from './trace-reader.js';
import { sessionsView, sessionView, turnView } from './traces.views.js';

/**
 * The traces browser: the agents' sessions newest first (`?limit=50&offset=0&campaign=camp_1`), a
 * session's turns, and a turn's trace with the judge's verdict on each agent call.
 */
@Controller('console/traces')
@Public()
@UseFilters(ConsoleErrorFilter)
export class TracesController {
  constructor(@Inject(TraceReader) private readonly reader: TraceReader) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async sessions(@Query('limit') limitText?: unknown, @Query('offset') offsetText?: unknown, @Query('campaign') campaignText?: unknown): Promise<string> {
    const limit = integerParameter('limit', limitText, { min: 1, max: 500, fallback: 50 });
    const offset = integerParameter('offset', offsetText, { min: 0, max: 100_000_000, fallback: 0 });
    const campaignId = idParameter('campaign', campaignText);
    const { sessions, total } = await this.reader.sessions({ limit, offset, ...(campaignId ? { campaignId } : {}) });
    return page('Traces', sessionsView(sessions, { total, limit, offset, ...(campaignId ? { campaignId } : {}) }), { section: '/console/traces' });
  }

  @Get(':sessionId')
  @Header('content-type', 'text/html; charset=utf-8')
  async session(@Param('sessionId') sessionId: string): Promise<string> {
    const session = await this.reader.session(sessionId);
    if (!session) throw new ConsoleNotFoundError(`no session ${JSON.stringify(sessionId)} in the agents' store`);
    const [turns, verdicts] = await Promise.all([this.reader.turns(sessionId), this.reader.verdictCounts(sessionId)]);
    return page(`Session ${session.id}`, sessionView(session, turns, verdicts), { section: '/console/traces' });
  }

  @Get(':sessionId/turns/:turnId')
  @Header('content-type', 'text/html; charset=utf-8')
  async turn(@Param('sessionId') sessionId: string, @Param('turnId') turnId: string): Promise<string> {
    const turn = await this.reader.turn(sessionId, turnId);
    if (!turn) throw new ConsoleNotFoundError(`no turn ${JSON.stringify(turnId)} in session ${JSON.stringify(sessionId)}`);
    return page(`Turn ${turn.index} of ${sessionId}`, turnView(turn, await this.reader.callVerdicts(turnId)), { section: '/console/traces' });
  }
}
