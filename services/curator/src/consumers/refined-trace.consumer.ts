import { type Bus, subscribeEvents, type Subscription } from '@distillery/bus';
import { traceRefinedContract } from '@distillery/contracts';
import type { Inbox } from '@distillery/storage';
import type { RefinedTurnStore } from '../store/refined-turn-store.js';

export const REFINED_TRACES_GROUP = 'curator-refined-traces';

/**
 * Stores every traces.refined turn as it arrives, exactly once, a partition's ready events at a
 * time: their event ids go into the inbox in the same transaction as the rows, so a redelivered
 * event stores nothing. `onStored` is told when new turns came in (a campaign waiting for them may
 * be ready).
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
      batchHandler: async (events) => {
        const { result: stored } = await this.inbox.handleBatch(events, (manager, fresh) =>
          this.turns.saveAll(manager, fresh.map(({ event }) => ({ trace: event.data, eventId: event.id }))),
        );
        if (stored > 0) this.onStored();
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}
