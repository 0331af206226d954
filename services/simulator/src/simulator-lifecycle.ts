import { Injectable } from '@nestjs/common';
import { runtimeLifecycle } from '@distillery/service-kit';
import { loadSimulatorConfig } from './config/simulator.config.js';
import { SimulatorRuntime } from './simulator-runtime.js';

/** Starts the simulator runtime once the platform is up (config validated first); drains it before the platform closes. */
@Injectable()
export class SimulatorLifecycle extends runtimeLifecycle('simulator', (platform) => SimulatorRuntime.start(platform, loadSimulatorConfig(platform.env))) {}
