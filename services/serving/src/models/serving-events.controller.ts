import { type CheckpointBf16, checkpointBf16Contract, type CheckpointFp8, checkpointFp8Contract, type DrafterReady, drafterReadyContract, type EventEnvelope } from '@distillery/contracts';
import { type BusContext, BusEventPattern } from '@distillery/service-kit';
import { Controller, Inject, ServiceUnavailableException } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { ServingLifecycle } from '../serving-lifecycle.js';
import type { ServingAnnouncements } from '../serving-runtime.js';
import { SERVING_GROUP } from './checkpoint.consumer.js';
import { SERVING_DRAFTERS_GROUP } from './drafter.consumer.js';
import { SERVING_FP8_GROUP } from './fp8.consumer.js';

/** In gateway mode the upstream decides what is served: no version is recorded, so serving joins no group. */
const consumesWhen = (env: Readonly<Record<string, string | undefined>>) => !env.DISTILLERY_SERVING_UPSTREAM;

/** What serving consumes: the announcements of versions (checkpoints.bf16), their drafters and their FP8 versions, into the catalog. */
@Controller()
export class ServingEventsController {
  constructor(@Inject(ServingLifecycle) private readonly serving: ServingLifecycle) {}

  @BusEventPattern(checkpointBf16Contract, { group: SERVING_GROUP, consumesWhen })
  checkpoint(@Payload() event: EventEnvelope<CheckpointBf16>, @Ctx() context: BusContext): Promise<void> {
    return this.announcements().checkpoints.handle(event, context.record);
  }

  @BusEventPattern(drafterReadyContract, { group: SERVING_DRAFTERS_GROUP, consumesWhen })
  drafter(@Payload() event: EventEnvelope<DrafterReady>, @Ctx() context: BusContext): Promise<void> {
    return this.announcements().drafters.handle(event, context.record);
  }

  @BusEventPattern(checkpointFp8Contract, { group: SERVING_FP8_GROUP, consumesWhen })
  fp8(@Payload() event: EventEnvelope<CheckpointFp8>, @Ctx() context: BusContext): Promise<void> {
    return this.announcements().fp8.handle(event, context.record);
  }

  private announcements(): ServingAnnouncements {
    const announcements = this.serving.runtime.announcements;
    if (!announcements) throw new ServiceUnavailableException('serving is in gateway mode: it records no versions');
    return announcements;
  }
}
