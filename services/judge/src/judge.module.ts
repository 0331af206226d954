import { type BeforeApplicationShutdown, Controller, Inject, Injectable, Module, type OnApplicationBootstrap, ServiceUnavailableException } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { type EventEnvelope, type TraceRaw, traceRawContract } from '@distillery/contracts';
import { type BusContext, BusEventPattern, PLATFORM, type Platform } from '@distillery/service-kit';
import { loadJudgeConfig } from './config/judge.config.js';
import { JudgeRuntime } from './judge-runtime.js';
import { JUDGE_GROUP } from './store/refinement-store.js';

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

/** The judge's consumer: traces.raw in the `judge` group, one event at a time (each is model calls, not a row). */
@Controller()
export class JudgeEventsController {
  constructor(@Inject(JudgeLifecycle) private readonly judge: JudgeLifecycle) {}

  @BusEventPattern(traceRawContract, { group: JUDGE_GROUP })
  rawTrace(@Payload() event: EventEnvelope<TraceRaw>, @Ctx() context: BusContext): Promise<void> {
    const runtime = this.judge.runtime;
    if (!runtime) throw new ServiceUnavailableException('the judge is starting');
    return runtime.handle(event, context.record);
  }
}

/** The judge service's Nest module: config validated at boot, then the traces.raw consumer and its outbox relay. */
@Module({ controllers: [JudgeEventsController], providers: [JudgeLifecycle] })
export class JudgeModule {}
