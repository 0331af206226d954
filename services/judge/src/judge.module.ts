import { type BeforeApplicationShutdown, Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { PLATFORM, type Platform } from '@distillery/service-kit';
import { loadJudgeConfig } from './config/judge.config.js';
import { JudgeRuntime } from './judge-runtime.js';

/** Starts the judge once the platform is up; drains it while the bus and database are still open. */
@Injectable()
export class JudgeLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private current: JudgeRuntime | undefined;

  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  /** The running judge (undefined before boot). */
  get runtime(): JudgeRuntime | undefined {
    return this.current;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.current = await JudgeRuntime.start(this.platform, loadJudgeConfig(this.platform.env));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.current?.stop();
  }
}

/** The judge service's Nest module: config validated at boot, then the traces.raw consumer and its outbox relay. */
@Module({ providers: [JudgeLifecycle] })
export class JudgeModule {}
