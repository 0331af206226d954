import { RequireRole } from '@distillery/service-kit';
import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import type { DatasetSummary } from '../building/dataset-build.service.js';
import { CuratorLifecycle } from '../curator-lifecycle.js';
import { InvalidBuildRequestError } from '../errors/invalid-build-request.error.js';
import { UnknownCampaignError } from '../errors/unknown-campaign.error.js';
import type { CampaignOutcome } from '../store/campaign-store.js';
import type { DatasetVersion } from '../store/dataset-registry.js';
import { parseBuildRequest } from './build-request.js';
import { echo } from '@distillery/contracts';

/**
 * Datasets on request, beside the campaigns.completed trigger:
 *   curl -s -XPOST -H 'x-api-key: dev-key' 127.0.0.1:7104/curator/datasets -H 'content-type: application/json' -d '{"campaignId":"camp_1"}'
 *   curl -s -XPOST -H 'x-api-key: dev-key' 127.0.0.1:7104/curator/datasets -H 'content-type: application/json' -d '{"all":true}'
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7104/curator/datasets
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7104/curator/campaigns/camp_1   # pending, or built: its version (none for a held-out campaign held over)
 */
@Controller('curator')
@RequireRole('operator')
export class DatasetsController {
  constructor(@Inject(CuratorLifecycle) private readonly curator: CuratorLifecycle) {}

  /** Builds a new version now (201 with its manifest, parts and counts); 400 for a bad body, 404 for an unknown campaign. */
  @Post('datasets')
  @HttpCode(201)
  async build(@Body() body: unknown): Promise<DatasetSummary> {
    try {
      return await this.curator.runtime.builds.buildOnRequest(parseBuildRequest(body));
    } catch (error) {
      if (error instanceof InvalidBuildRequestError) throw new BadRequestException(error.message);
      if (error instanceof UnknownCampaignError) throw new NotFoundException(error.message);
      throw error;
    }
  }

  /** Every version built, oldest first. */
  @Get('datasets')
  list(): Promise<DatasetVersion[]> {
    return this.curator.runtime.registry.list();
  }

  /** What the curator made of a campaign announced on campaigns.completed; 404 naming an id it was never told of. */
  @Get('campaigns/:campaignId')
  async campaign(@Param('campaignId') campaignId: string): Promise<CampaignOutcome> {
    const outcome = await this.curator.runtime.campaigns.outcome(campaignId);
    if (!outcome) throw new NotFoundException(`no campaign ${echo(campaignId)} announced on campaigns.completed`);
    return outcome;
  }
}
