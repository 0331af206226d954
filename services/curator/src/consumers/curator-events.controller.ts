import type { DeliveredEvent } from '@distillery/bus';
import { type CampaignCompleted, campaignCompletedContract, type EventEnvelope, type TraceRefined, traceRefinedContract } from '@distillery/contracts';
import { type BusContext, BusEventPattern } from '@distillery/service-kit';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CuratorLifecycle } from '../curator-lifecycle.js';
import { CAMPAIGNS_GROUP } from './campaign-completed.consumer.js';
import { REFINED_TRACES_GROUP } from './refined-trace.consumer.js';

/** What the curator consumes: refined turns (in batches) and completed campaigns. */
@Controller()
export class CuratorEventsController {
  constructor(@Inject(CuratorLifecycle) private readonly curator: CuratorLifecycle) {}

  @BusEventPattern(traceRefinedContract, { group: REFINED_TRACES_GROUP, batch: true })
  refinedTurns(@Payload() events: DeliveredEvent<TraceRefined>[]): Promise<void> {
    return this.curator.runtime.refined.handle(events);
  }

  @BusEventPattern(campaignCompletedContract, { group: CAMPAIGNS_GROUP })
  campaignCompleted(@Payload() event: EventEnvelope<CampaignCompleted>, @Ctx() context: BusContext): Promise<void> {
    return this.curator.runtime.completed.handle(event, context.record);
  }
}
