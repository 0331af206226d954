import { Injectable } from '@nestjs/common';
import { runtimeLifecycle } from '@distillery/service-kit';
import { loadServingConfig } from './config/serving.config.js';
import { ServingRuntime } from './serving-runtime.js';

/** Starts the serving replica once the platform is up (config validated first); drains it while the bus and database are still open. */
@Injectable()
export class ServingLifecycle extends runtimeLifecycle('serving', (platform) => ServingRuntime.start(platform, loadServingConfig(platform.env))) {}
