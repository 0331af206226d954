import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, ServiceUnavailableException } from '@nestjs/common';
import { PLATFORM, type Platform } from '@distillery/service-kit';
import { loadSimulatorConfig } from './config/simulator.config.js';
import { SimulatorRuntime } from './simulator-runtime.js';

/** Starts the simulator runtime once the platform is up (config validated first); drains it before the platform closes. */
@Injectable()
export class SimulatorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private started: SimulatorRuntime | undefined;

  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  async onApplicationBootstrap(): Promise<void> {
    this.started = await SimulatorRuntime.start(this.platform, loadSimulatorConfig(this.platform.env));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.started?.stop();
  }

  /** The running simulator; 503 before it has started. */
  get runtime(): SimulatorRuntime {
    if (!this.started) throw new ServiceUnavailableException('the simulator is starting');
    return this.started;
  }
}
