import { RequireRole } from '@distillery/service-kit';
import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import { type CampaignProgress, CONVERSATIONS_PAGE, type ConversationRow, MAX_CONVERSATIONS_PAGE, type StoredCampaign } from '../campaigns/campaign-store.js';
import { CampaignConflictError } from '../errors/campaign-conflict.error.js';
import { CampaignNotFoundError } from '../errors/campaign-not-found.error.js';
import { InvalidCampaignError } from '../errors/invalid-campaign.error.js';
import { PolicyUnavailableError } from '../errors/policy-unavailable.error.js';
import { SimulatorLifecycle } from '../simulator-lifecycle.js';

/** The part of the HTTP response the routes set: the create route's status (201 new, 200 existing), the conversations' next-page link. */
interface ResponseSetter {
  status(code: number): unknown;
  setHeader(name: string, value: string): unknown;
}

/**
 * Campaigns over HTTP:
 *   curl -s -XPOST -H 'x-api-key: dev-key' 127.0.0.1:7102/simulator/campaigns -H 'content-type: application/json' -d '{"count":200,"seed":7,"concurrency":8}'
 *   curl -s -XPOST -H 'x-api-key: dev-key' 127.0.0.1:7102/simulator/campaigns -H 'content-type: application/json' -d '{"count":50,"seed":8,"phrasing":"held-out"}'  # heldout_… id: the curator's eval-heldout
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7102/simulator/campaigns                         # every campaign, oldest first
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7102/simulator/campaigns/camp_1                  # progress: conversations by status, EXIT reasons, turns
 *   curl -s '127.0.0.1:7102/simulator/campaigns/camp_1/conversations?transcripts=true'   # the first 100, in index order
 *   curl -si '127.0.0.1:7102/simulator/campaigns/camp_1/conversations?limit=1000&after=99' # the next page; `Link: <…>; rel="next"` while more follow
 */
@Controller('simulator')
@RequireRole('operator')
export class CampaignsController {
  constructor(@Inject(SimulatorLifecycle) private readonly simulator: SimulatorLifecycle) {}

  /** 201 with the new campaign; 200 when the same id and spec exist; 400 naming each problem; 409 for the id with another spec. */
  @Post('campaigns')
  @HttpCode(201)
  async create(@Body() body: unknown, @Res({ passthrough: true }) response: ResponseSetter): Promise<StoredCampaign> {
    try {
      const { created, campaign } = await this.simulator.runtime.create(body ?? {});
      if (!created) response.status(200);
      return campaign;
    } catch (error) {
      throw asHttpError(error);
    }
  }

  @Get('campaigns')
  list(): Promise<StoredCampaign[]> {
    return this.simulator.runtime.store.list();
  }

  /** 404 for an unknown id. */
  @Get('campaigns/:id')
  async progress(@Param('id') id: string): Promise<CampaignProgress> {
    try {
      return await this.simulator.runtime.progress(id);
    } catch (error) {
      throw asHttpError(error);
    }
  }

  /**
   * A page of the campaign's conversations in index order: status, session, goal, EXIT reason,
   * switches; `?transcripts=true` adds what was said. `limit` (default 100, at most 1000) rows
   * after the index `after` (default: from the first); while more follow, a `Link` header names
   * the next page (`rel="next"`).
   */
  @Get('campaigns/:id/conversations')
  async conversations(
    @Param('id') id: string,
    @Res({ passthrough: true }) response: ResponseSetter,
    @Query('transcripts') transcripts?: string,
    @Query('limit') limit?: string,
    @Query('after') after?: string,
  ): Promise<ConversationRow[]> {
    if (transcripts !== undefined && transcripts !== 'true' && transcripts !== 'false') throw new BadRequestException('transcripts: expected true or false');
    const page = { limit: integerParameter('limit', limit, 1, MAX_CONVERSATIONS_PAGE) ?? CONVERSATIONS_PAGE, after: integerParameter('after', after, -1, 2 ** 31 - 1) ?? -1 };
    try {
      const { rows, more } = await this.simulator.runtime.conversations(id, { withTranscripts: transcripts === 'true', ...page });
      const last = rows.at(-1);
      if (more && last) {
        const next = new URLSearchParams({ ...(transcripts ? { transcripts } : {}), limit: String(page.limit), after: String(last.index) });
        response.setHeader('link', `</simulator/campaigns/${encodeURIComponent(id)}/conversations?${next}>; rel="next"`);
      }
      return rows;
    } catch (error) {
      throw asHttpError(error);
    }
  }
}

/** A query parameter that must be an integer from `min` to `max`; undefined when absent. */
function integerParameter(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = /^-?\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < min || number > max) throw new BadRequestException(`${name}: expected an integer from ${min} to ${max}`);
  return number;
}

function asHttpError(error: unknown): unknown {
  if (error instanceof InvalidCampaignError || error instanceof PolicyUnavailableError) return new BadRequestException(error.message);
  if (error instanceof CampaignNotFoundError) return new NotFoundException(error.message);
  if (error instanceof CampaignConflictError) return new ConflictException(error.message);
  return error;
}
