import { Module } from '@nestjs/common';
import { CampaignsController } from './api/campaigns.controller.js';
import { StressRunsController } from './api/stress-runs.controller.js';
import { SimulatorLifecycle } from './simulator-lifecycle.js';

/** The simulator's Nest module: config validated at boot, then the campaign supervisor, the campaigns API and the stress runs API. */
@Module({ controllers: [CampaignsController, StressRunsController], providers: [SimulatorLifecycle] })
export class SimulatorModule {}
