import { RequireRole } from '@distillery/service-kit';
import { JOB_STATUSES, JobNotCancellableError, type JobStatus } from '@distillery/jobs';
import { BadRequestException, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { TrainingJobNotFoundError } from '../errors/training-job-not-found.error.js';
import type { TrainingJobEntity } from '../jobs/training-job.entity.js';
import { TrainerLifecycle } from '../trainer-lifecycle.js';

/**
 * Training jobs over HTTP:
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7105/trainer/jobs                      # newest first; ?status=running&datasetId=ds_dealership&limit=20
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7105/trainer/jobs/job_0123456789abcdef  # one job: status, stage, step/total, loss, per-stage metrics, checkpoint
 *   curl -s -XPOST -H 'x-api-key: dev-key' 127.0.0.1:7105/trainer/jobs/job_0123456789abcdef/cancel
 */
@Controller('trainer')
@RequireRole('operator')
export class TrainingJobsController {
  constructor(@Inject(TrainerLifecycle) private readonly trainer: TrainerLifecycle) {}

  @Get('jobs')
  list(@Query('status') status?: string, @Query('datasetId') datasetId?: string, @Query('limit') limit?: string): Promise<TrainingJobEntity[]> {
    if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) throw new BadRequestException(`status: expected one of ${JOB_STATUSES.join(', ')}`);
    const take = limit === undefined ? undefined : Number(limit);
    if (take !== undefined && !(Number.isInteger(take) && take >= 1 && take <= 1000)) throw new BadRequestException('limit: expected an integer from 1 to 1000');
    return this.trainer.runtime.store.list({ ...(status ? { status: status as JobStatus } : {}), ...(datasetId ? { datasetId } : {}), ...(take ? { limit: take } : {}) });
  }

  /** 404 for an unknown id. */
  @Get('jobs/:id')
  async get(@Param('id') id: string): Promise<TrainingJobEntity> {
    try {
      return await this.trainer.runtime.store.get(id);
    } catch (error) {
      throw asHttpError(error);
    }
  }

  /** 202 with the job: cancelled when it was queued, `cancelRequested` while its replica stops it; 404 unknown, 409 finished. */
  @Post('jobs/:id/cancel')
  @RequireRole('admin')
  @HttpCode(202)
  async cancel(@Param('id') id: string): Promise<TrainingJobEntity> {
    try {
      return await this.trainer.runtime.queue.cancel(id);
    } catch (error) {
      throw asHttpError(error);
    }
  }
}

function asHttpError(error: unknown): unknown {
  if (error instanceof TrainingJobNotFoundError) return new NotFoundException(error.message);
  if (error instanceof JobNotCancellableError) return new ConflictException(error.message);
  return error;
}
