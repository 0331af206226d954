import { Module } from '@nestjs/common';
import { TrainerEventsController } from './consumers/trainer-events.controller.js';
import { TrainingJobsController } from './api/training-jobs.controller.js';
import { TrainerLifecycle } from './trainer-lifecycle.js';

/** The trainer's Nest module: config validated at boot, then the consumer, the job queue and the jobs API. */
@Module({ controllers: [TrainingJobsController, TrainerEventsController], providers: [TrainerLifecycle] })
export class TrainerModule {}
