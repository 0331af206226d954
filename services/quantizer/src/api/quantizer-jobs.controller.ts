import { RequireRole } from '@distillery/service-kit';
import { REPO_ROOT } from '@distillery/compute';
import { JOB_STATUSES, JobNotCancellableError, type JobStatus, pathHider } from '@distillery/jobs';
import { BadRequestException, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { QuantizerJobNotFoundError } from '../errors/quantizer-job-not-found.error.js';
import { QuantizerLifecycle } from '../quantizer-lifecycle.js';
import { type QuantizerJobView, quantizerJobView } from './quantizer-job.view.js';

/**
 * Quantizer jobs over HTTP:
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7107/quantizer/jobs                      # newest first; ?status=running&modelId=…&checkpointId=…&drafterId=…&limit=20
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7107/quantizer/jobs/job_0123456789abcdef  # one job: status, stage, step/total, clip rates, evaluation, acceptance, metrics, fp8 models
 *   curl -s -XPOST -H 'x-api-key: dev-key' 127.0.0.1:7107/quantizer/jobs/job_0123456789abcdef/cancel
 */
@Controller('quantizer')
@RequireRole('operator')
export class QuantizerJobsController {
  constructor(@Inject(QuantizerLifecycle) private readonly quantizer: QuantizerLifecycle) {}

  @Get('jobs')
  async list(
    @Query('status') status?: string,
    @Query('modelId') modelId?: string,
    @Query('checkpointId') checkpointId?: string,
    @Query('drafterId') drafterId?: string,
    @Query('limit') limit?: string,
  ): Promise<QuantizerJobView[]> {
    if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) throw new BadRequestException(`status: expected one of ${JOB_STATUSES.join(', ')}`);
    const take = limit === undefined ? undefined : Number(limit);
    if (take !== undefined && !(Number.isInteger(take) && take >= 1 && take <= 1000)) throw new BadRequestException('limit: expected an integer from 1 to 1000');
    const jobs = await this.quantizer.runtime.store.list({
      ...(status ? { status: status as JobStatus } : {}),
      ...(modelId ? { modelId } : {}),
      ...(checkpointId ? { checkpointId } : {}),
      ...(drafterId ? { drafterId } : {}),
      ...(take ? { limit: take } : {}),
    });
    return jobs.map((job) => this.view(job));
  }

  /** 404 for an unknown id. */
  @Get('jobs/:id')
  async get(@Param('id') id: string): Promise<QuantizerJobView> {
    try {
      return this.view(await this.quantizer.runtime.store.get(id));
    } catch (error) {
      throw asHttpError(error);
    }
  }

  /** 202 with the job: cancelled when it was queued, `cancelRequested` while its replica stops it; 404 unknown, 409 finished. */
  @Post('jobs/:id/cancel')
  @RequireRole('admin')
  @HttpCode(202)
  async cancel(@Param('id') id: string): Promise<QuantizerJobView> {
    try {
      return this.view(await this.quantizer.runtime.queue.cancel(id));
    } catch (error) {
      throw asHttpError(error);
    }
  }

  private view(job: Parameters<typeof quantizerJobView>[0]): QuantizerJobView {
    return quantizerJobView(job, pathHider({ $DISTILLERY_DATA_DIR: this.quantizer.runtime.dataDir, '<repo>': REPO_ROOT }));
  }
}

function asHttpError(error: unknown): unknown {
  if (error instanceof QuantizerJobNotFoundError) return new NotFoundException(error.message);
  if (error instanceof JobNotCancellableError) return new ConflictException(error.message);
  return error;
}
