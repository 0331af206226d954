import { Injectable } from '@nestjs/common';
import { runtimeLifecycle } from '@distillery/service-kit';
import { loadDrafterConfig } from './config/drafter.config.js';
import { DrafterRuntime } from './drafter-runtime.js';

/** Starts the drafter once the platform is up (config validated first); drains it while the bus and database are still open. */
@Injectable()
export class DrafterLifecycle extends runtimeLifecycle('drafter', (platform) => DrafterRuntime.start(platform, loadDrafterConfig(platform.env))) {}
