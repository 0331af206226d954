import { type CheckpointBf16, storableText } from '@distillery/contracts';
import { jsonColumn, textColumn } from '@distillery/jobs';
import type { DataSource, EntityManager } from 'typeorm';

/** A student checkpoint as the quantizer keeps it: the checkpoints.bf16 message and the event that announced it. */
export interface KnownCheckpoint {
  readonly eventId: string;
  readonly checkpoint: CheckpointBf16;
}

/**
 * The student checkpoints announced on checkpoints.bf16, by event id: a drafters.ready event names
 * only its checkpoint's id, and the job that quantizes the student with that drafter reads where
 * the student is from here.
 */
export class CheckpointCatalog {
  constructor(private readonly dataSource: DataSource) {}

  /** Records an announced checkpoint in the caller's transaction (the inbox's); an event recorded before records nothing. */
  async record(manager: EntityManager, checkpoint: CheckpointBf16, eventId: string): Promise<boolean> {
    const inserted = (await manager.query(
      `INSERT INTO quantizer.checkpoints (event_id, model_id, checkpoint_id, checkpoint, dataset_event_ids) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [storableText(eventId), textColumn(checkpoint.modelId), textColumn(checkpoint.checkpointId), jsonColumn(checkpoint), checkpoint.lineage.parentEventIds.map((id) => storableText(id))],
    )) as unknown[];
    return inserted.length > 0;
  }

  async get(eventId: string): Promise<KnownCheckpoint | undefined> {
    const [row] = (await this.dataSource.query('SELECT event_id, checkpoint FROM quantizer.checkpoints WHERE event_id = $1', [eventId])) as Array<{ event_id: string; checkpoint: CheckpointBf16 }>;
    return row && { eventId: row.event_id, checkpoint: row.checkpoint };
  }
}
