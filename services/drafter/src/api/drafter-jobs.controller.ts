import { RequireRole } from '@distillery/service-kit';
import { REPO_ROOT } from '@distillery/compute';
import { JOB_STATUSES, JobNotCancellableError, type JobStatus, pathHider } from '@distillery/jobs';
import { BadRequestException, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { DrafterLifecycle } from '../drafter-lifecycle.js';
import { DrafterJobNotFoundError } from '../errors/drafter-job-not-found.error.js';
import { type DrafterJobView, drafterJobView } from './drafter-job.view.js';

/**
 * Drafter jobs over HTTP:
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7106/drafter/jobs                      # newest first; ?status=running&modelId=…&checkpointId=…&limit=20
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7106/drafter/jobs/job_0123456789abcdef  # one job: status, stage, step/total, loss, data and variants, metrics, drafter
 *   curl -s -XPOST -H 'x-api-key: dev-key' 127.0.0.1:7106/drafter/jobs/job_0123456789abcdef/cancel
 */
@Controller('drafter')
@RequireRole('operator')
export class DrafterJobsController {
  constructor(@Inject(DrafterLifecycle) private readonly drafter: DrafterLifecycle) {}

  @Get('jobs')
  async list(@Query('status') status?: string, @Query('modelId') modelId?: string, @Query('checkpointId') checkpointId?: string, @Query('limit') limit?: string): Promise<DrafterJobView[]> {
    if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) throw new BadRequestException(`status: expected one of ${JOB_STATUSES.join(', ')}`);
    const take = limit === undefined ? undefined : Number(limit);
    if (take !== undefined && !(Number.isInteger(take) && take >= 1 && take <= 1000)) throw new BadRequestException('limit: expected an integer from 1 to 1000');
    const jobs = await this.drafter.runtime.store.list({ ...(status ? { status: status as JobStatus } : {}), ...(modelId ? { modelId } : {}), ...(checkpointId ? { checkpointId } : {}), ...(take ? { limit: take } : {}) });
    return jobs.map((job) => this.view(job));
  }

  /** 404 for an unknown id. */
  @Get('jobs/:id')
  async get(@Param('id') id: string): Promise<DrafterJobView> {
    try {
      return this.view(await this.drafter.runtime.store.get(id));
    } catch (error) {
      throw asHttpError(error);
    }
  }

  /** 202 with the job: cancelled when it was queued, `cancelRequested` while its replica stops it; 404 unknown, 409 finished. */
  @Post('jobs/:id/cancel')
  @RequireRole('admin')
  @HttpCode(202)
  async cancel(@Param('id') id: string): Promise<DrafterJobView> {
    try {
      return this.view(await this.drafter.runtime.queue.cancel(id));
    } catch (error) {
      throw asHttpError(error);
    }
  }

  private view(job: Parameters<typeof drafterJobView>[0]): DrafterJobView {
    return drafterJobView(job, pathHider({ $DISTILLERY_DATA_DIR: this.drafter.runtime.dataDir, '<repo>': REPO_ROOT }));
  }
}

function asHttpError(error: unknown): unknown {
  if (error instanceof DrafterJobNotFoundError) return new NotFoundException(error.message);
  if (error instanceof JobNotCancellableError) return new ConflictException(error.message);
  return error;
}
