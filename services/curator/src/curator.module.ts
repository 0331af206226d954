import { Module } from '@nestjs/common';
import { DatasetsController } from './api/datasets.controller.js';
import { CuratorEventsController } from './consumers/curator-events.controller.js';
import { CuratorLifecycle } from './curator-lifecycle.js';

/** The curator's Nest module: config validated at boot, then the consumers, the scheduler and the datasets API. */
@Module({ controllers: [DatasetsController, CuratorEventsController], providers: [CuratorLifecycle] })
export class CuratorModule {}
