import { type CheckpointBf16, checkpointBf16Contract, type DatasetReady, datasetReadyContract, type DrafterReady, drafterReadyContract, type EventEnvelope } from '@distillery/contracts';
import { type BusContext, BusEventPattern } from '@distillery/service-kit';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { QuantizerLifecycle } from '../quantizer-lifecycle.js';
import { QUANTIZER_GROUP } from './checkpoint.consumer.js';
import { QUANTIZER_DATASETS_GROUP } from './dataset-ready.consumer.js';
import { QUANTIZER_DRAFTERS_GROUP } from './drafter.consumer.js';

/** What the quantizer consumes: datasets.ready (calibration), checkpoints.bf16 and drafters.ready (a job each). */
@Controller()
export class QuantizerEventsController {
  constructor(@Inject(QuantizerLifecycle) private readonly quantizer: QuantizerLifecycle) {}

  @BusEventPattern(datasetReadyContract, { group: QUANTIZER_DATASETS_GROUP })
  datasetReady(@Payload() event: EventEnvelope<DatasetReady>, @Ctx() context: BusContext): Promise<void> {
    return this.quantizer.runtime.consumers.datasets.handle(event, context.record);
  }

  @BusEventPattern(checkpointBf16Contract, { group: QUANTIZER_GROUP })
  checkpoint(@Payload() event: EventEnvelope<CheckpointBf16>, @Ctx() context: BusContext): Promise<void> {
    return this.quantizer.runtime.consumers.checkpoints.handle(event, context.record);
  }

  @BusEventPattern(drafterReadyContract, { group: QUANTIZER_DRAFTERS_GROUP })
  drafter(@Payload() event: EventEnvelope<DrafterReady>, @Ctx() context: BusContext): Promise<void> {
    return this.quantizer.runtime.consumers.drafters.handle(event, context.record);
  }
}
