import { type DatasetReady, datasetReadyContract, type EventEnvelope } from '@distillery/contracts';
import { type BusContext, BusEventPattern } from '@distillery/service-kit';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { TrainerLifecycle } from '../trainer-lifecycle.js';
import { TRAINER_GROUP } from './dataset-ready.consumer.js';

/** What the trainer consumes: datasets.ready, each a training job. */
@Controller()
export class TrainerEventsController {
  constructor(@Inject(TrainerLifecycle) private readonly trainer: TrainerLifecycle) {}

  @BusEventPattern(datasetReadyContract, { group: TRAINER_GROUP })
  datasetReady(@Payload() event: EventEnvelope<DatasetReady>, @Ctx() context: BusContext): Promise<void> {
    return this.trainer.runtime.datasets.handle(event, context.record);
  }
}
