import { Module } from '@nestjs/common';
import { CampaignsController } from './api/campaigns.controller.js';
import { SimulatorLifecycle } from './simulator-lifecycle.js';

/** The simulator's Nest module: config validated at boot, then the campaign supervisor and the campaigns API. */
@Module({ controllers: [CampaignsController], providers: [SimulatorLifecycle] })
export class SimulatorModule {}
