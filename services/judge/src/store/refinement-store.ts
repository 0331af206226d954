import type { BusRecord } from '@distillery/bus';
import { eventIdFor, storableText, storableValue, traceRefinedContract } from '@distillery/contracts';
import type { Inbox, Outbox } from '@distillery/storage';
import type { DataSource } from 'typeorm';
import type { RefinedTrace } from '../refine/trace-refiner.js';

/** The consumer group every judge replica joins; the inbox dedupes by it. */
export const JUDGE_GROUP = 'judge';

const COLUMNS = [
  'raw_event_id', 'call_id', 'conversation_id', 'turn_id', 'turn_index', 'tenant', 'agent', 'attempt', 'verdict', 'reasons', 'output', 'refined', 'refine_prompt',
  'judge_backend', 'judge_model', 'judge_seed', 'judged_by', 'refined_event_id',
] as const;

/** The traces.refined event id of a raw event: derived from it, so a re-judged raw event would carry the same id. */
export function refinedEventId(rawEventId: string): string {
  return eventIdFor('traces.refined', rawEventId);
}

/**
 * Writes a refined turn exactly once per raw event id: its rows in `judge.refinements` and its
 * traces.refined event in the outbox, in the inbox's transaction. A redelivered raw event finds
 * its id in the inbox and writes nothing. A raw trace any producer may have written can carry text
 * PostgreSQL cannot hold (NUL, other control characters, lone surrogates): the rows and the event
 * carry it as U+FFFD (storableText / storableValue), so the write never fails on it.
 */
export class RefinementStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
    /** Called after a commit that enqueued an event (wakes the outbox relay). */
    private readonly onCommitted: () => void,
  ) {}

  /** Whether this raw event was refined already (a cheap look before judging; the inbox still decides). */
  async seen(rawEventId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM judge.inbox WHERE consumer_group = $1 AND event_id = $2', [JUDGE_GROUP, rawEventId]);
    return rows.length > 0;
  }

  /** Records the refined turn; `duplicate` when this raw event was recorded before. */
  async record(record: BusRecord, refined: RefinedTrace, judgedBy: string): Promise<'recorded' | 'duplicate'> {
    const { judgements, raw } = refined;
    const eventId = refinedEventId(refined.message.rawEventId);
    const message = storableValue(refined.message);
    const outcome = await this.inbox.handleOnce(record, async (manager) => {
      if (message.calls.length) {
        const params = message.calls.flatMap((call, index) => [
          message.rawEventId, call.callId, message.conversationId, message.turnId, message.turnIndex, message.tenant, call.agent, raw.calls[index]!.attempt, call.verdict, JSON.stringify(call.reasons),
          call.output, call.refined, storableText(judgements[index]!.refinePrompt), message.judge.backend, message.judge.model, message.judge.seed ?? null, storableText(judgedBy), eventId,
        ]);
        const rows = message.calls.map((_, row) => `(${COLUMNS.map((__, column) => `$${row * COLUMNS.length + column + 1}`).join(', ')})`).join(', ');
        await manager.query(`INSERT INTO judge.refinements (${COLUMNS.join(', ')}) VALUES ${rows}`, params);
      }
      await this.outbox.enqueue(manager, traceRefinedContract, message, { source: 'judge', id: eventId });
    });
    if (outcome.duplicate) return 'duplicate';
    this.onCommitted();
    return 'recorded';
  }
}
