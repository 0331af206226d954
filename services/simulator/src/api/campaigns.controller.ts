import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import type { CampaignProgress, ConversationRow, StoredCampaign } from '../campaigns/campaign-store.js';
import { CampaignConflictError } from '../errors/campaign-conflict.error.js';
import { CampaignNotFoundError } from '../errors/campaign-not-found.error.js';
import { InvalidCampaignError } from '../errors/invalid-campaign.error.js';
import { PolicyUnavailableError } from '../errors/policy-unavailable.error.js';
import { SimulatorLifecycle } from '../simulator-lifecycle.js';

/** The part of the HTTP response the create route sets: 201 for a new campaign, 200 for the existing one. */
interface StatusSetter {
  status(code: number): unknown;
}

/**
 * Campaigns over HTTP:
 *   curl -s -XPOST 127.0.0.1:7102/simulator/campaigns -H 'content-type: application/json' -d '{"count":200,"seed":7,"concurrency":8}'
 *   curl -s 127.0.0.1:7102/simulator/campaigns                         # every campaign, oldest first
 *   curl -s 127.0.0.1:7102/simulator/campaigns/camp_1                  # progress: conversations by status, EXIT reasons, turns
 *   curl -s '127.0.0.1:7102/simulator/campaigns/camp_1/conversations?transcripts=true'
 */
@Controller('simulator')
export class CampaignsController {
  constructor(@Inject(SimulatorLifecycle) private readonly simulator: SimulatorLifecycle) {}

  /** 201 with the new campaign; 200 when the same id and spec exist; 400 naming each problem; 409 for the id with another spec. */
  @Post('campaigns')
  @HttpCode(201)
  async create(@Body() body: unknown, @Res({ passthrough: true }) response: StatusSetter): Promise<StoredCampaign> {
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

  /** Every conversation of the campaign: status, session, goal, EXIT reason, switches; `?transcripts=true` adds what was said. */
  @Get('campaigns/:id/conversations')
  async conversations(@Param('id') id: string, @Query('transcripts') transcripts?: string): Promise<ConversationRow[]> {
    if (transcripts !== undefined && transcripts !== 'true' && transcripts !== 'false') throw new BadRequestException('transcripts: expected true or false');
    try {
      return await this.simulator.runtime.conversations(id, transcripts === 'true');
    } catch (error) {
      throw asHttpError(error);
    }
  }
}

function asHttpError(error: unknown): unknown {
  if (error instanceof InvalidCampaignError || error instanceof PolicyUnavailableError) return new BadRequestException(error.message);
  if (error instanceof CampaignNotFoundError) return new NotFoundException(error.message);
  if (error instanceof CampaignConflictError) return new ConflictException(error.message);
  return error;
}
