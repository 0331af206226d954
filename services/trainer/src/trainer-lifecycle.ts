import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap, ServiceUnavailableException } from '@nestjs/common';
import { PLATFORM, type Platform } from '@distillery/service-kit';
import { loadTrainerConfig } from './config/trainer.config.js';
import { TrainerRuntime } from './trainer-runtime.js';

/** Starts the trainer once the platform is up (config validated first); drains it while the bus and database are still open. */
@Injectable()
export class TrainerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private started: TrainerRuntime | undefined;

  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  async onApplicationBootstrap(): Promise<void> {
    this.started = await TrainerRuntime.start(this.platform, loadTrainerConfig(this.platform.env));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.started?.stop();
  }

  /** The running trainer; 503 before it has started. */
  get runtime(): TrainerRuntime {
    if (!this.started) throw new ServiceUnavailableException('the trainer is starting');
    return this.started;
  }
}
