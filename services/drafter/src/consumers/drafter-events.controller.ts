import { type CheckpointBf16, checkpointBf16Contract, type DatasetReady, datasetReadyContract, type EventEnvelope } from '@distillery/contracts';
import { type BusContext, BusEventPattern } from '@distillery/service-kit';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { DrafterLifecycle } from '../drafter-lifecycle.js';
import { DRAFTER_GROUP } from './checkpoint.consumer.js';
import { DRAFTER_DATASETS_GROUP } from './dataset-ready.consumer.js';

/** What the drafter consumes: datasets.ready (where the EAGLE prompts are) and checkpoints.bf16 (a job each). */
@Controller()
export class DrafterEventsController {
  constructor(@Inject(DrafterLifecycle) private readonly drafter: DrafterLifecycle) {}

  @BusEventPattern(datasetReadyContract, { group: DRAFTER_DATASETS_GROUP })
  datasetReady(@Payload() event: EventEnvelope<DatasetReady>, @Ctx() context: BusContext): Promise<void> {
    return this.drafter.runtime.consumers.datasets.handle(event, context.record);
  }

  @BusEventPattern(checkpointBf16Contract, { group: DRAFTER_GROUP })
  checkpoint(@Payload() event: EventEnvelope<CheckpointBf16>, @Ctx() context: BusContext): Promise<void> {
    return this.drafter.runtime.consumers.checkpoints.handle(event, context.record);
  }
}
