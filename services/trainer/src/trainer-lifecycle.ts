import { Injectable } from '@nestjs/common';
import { runtimeLifecycle } from '@distillery/service-kit';
import { loadTrainerConfig } from './config/trainer.config.js';
import { TrainerRuntime } from './trainer-runtime.js';

/** Starts the trainer once the platform is up (config validated first); drains it while the bus and database are still open. */
@Injectable()
export class TrainerLifecycle extends runtimeLifecycle('trainer', (platform) => TrainerRuntime.start(platform, loadTrainerConfig(platform.env))) {}
