import { Injectable } from '@nestjs/common';
import { runtimeLifecycle } from '@distillery/service-kit';
import { loadQuantizerConfig } from './config/quantizer.config.js';
import { QuantizerRuntime } from './quantizer-runtime.js';

/** Starts the quantizer once the platform is up (config validated first); drains it while the bus and database are still open. */
@Injectable()
export class QuantizerLifecycle extends runtimeLifecycle('quantizer', (platform) => QuantizerRuntime.start(platform, loadQuantizerConfig(platform.env))) {}
