import type { DeliveredEvent } from '@distillery/bus';
import type { TraceRefined } from '@distillery/contracts';
import type { Inbox } from '@distillery/storage';
import type { RefinedTurnStore } from '../store/refined-turn-store.js';

export const REFINED_TRACES_GROUP = 'curator-refined-traces';

/**
 * Stores every traces.refined turn as it arrives, exactly once, a partition's ready events at a
 * time (`CuratorEventsController` hands them over): their event ids go into the inbox in the same
 * transaction as the rows, so a redelivered event stores nothing. `onStored` is told when new turns
 * came in (a campaign waiting for them may be ready).
 */
export class RefinedTraceConsumer {
  constructor(
    private readonly inbox: Inbox,
    private readonly turns: RefinedTurnStore,
    private readonly onStored: () => void,
  ) {}

  async handle(events: readonly DeliveredEvent<TraceRefined>[]): Promise<void> {
    const { result: stored } = await this.inbox.handleBatch(events, (manager, fresh) =>
      this.turns.saveAll(manager, fresh.map(({ event, record }) => ({ trace: event.data, eventId: event.id, traceparent: record.headers.traceparent }))),
    );
    if (stored > 0) this.onStored();
  }
}
