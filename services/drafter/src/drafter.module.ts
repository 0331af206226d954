import { Module } from '@nestjs/common';
import { DrafterEventsController } from './consumers/drafter-events.controller.js';
import { DrafterJobsController } from './api/drafter-jobs.controller.js';
import { DrafterLifecycle } from './drafter-lifecycle.js';

/** The drafter's Nest module: config validated at boot, then the consumers, the job queue and the jobs API. */
@Module({ controllers: [DrafterJobsController, DrafterEventsController], providers: [DrafterLifecycle] })
export class DrafterModule {}
