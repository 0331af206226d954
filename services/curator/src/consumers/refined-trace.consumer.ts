import { type Bus, subscribeEvents, type Subscription } from '@distillery/bus';
import { traceRefinedContract } from '@distillery/contracts';
import type { Inbox } from '@distillery/storage';
import type { RefinedTurnStore } from '../store/refined-turn-store.js';

export const REFINED_TRACES_GROUP = 'curator-refined-traces';

/**
 * Stores every traces.refined turn as it arrives, exactly once: the event id goes into the inbox in
 * the same transaction as the row, so a redelivered event stores nothing. `onStored` is told of
 * each new turn (a campaign waiting for it may be ready).
 */
export class RefinedTraceConsumer {
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly inbox: Inbox,
    private readonly turns: RefinedTurnStore,
    private readonly onStored: () => void,
  ) {}

  async start(): Promise<void> {
    this.subscription = await subscribeEvents(this.bus, traceRefinedContract, {
      groupId: REFINED_TRACES_GROUP,
      handler: async (event, record) => {
        const outcome = await this.inbox.handleOnce(record, (manager) => this.turns.save(manager, event.data, event.id));
        if (!outcome.duplicate && outcome.result) this.onStored();
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}
