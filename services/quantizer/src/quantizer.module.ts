import { Module } from '@nestjs/common';
import { QuantizerEventsController } from './consumers/quantizer-events.controller.js';
import { QuantizerJobsController } from './api/quantizer-jobs.controller.js';
import { QuantizerLifecycle } from './quantizer-lifecycle.js';

/** The quantizer's Nest module: config validated at boot, then the consumers, the job queue and the jobs API. */
@Module({ controllers: [QuantizerJobsController, QuantizerEventsController], providers: [QuantizerLifecycle] })
export class QuantizerModule {}
