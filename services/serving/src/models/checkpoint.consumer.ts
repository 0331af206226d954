import { type CheckpointBf16, checkpointBf16Contract } from '@distillery/contracts';
import type { EntityManager } from 'typeorm';
import { CatalogConsumer } from './catalog.consumer.js';
import type { ModelCatalog } from './model-catalog.js';

/** The serving consumer group: the catalog is shared, so one replica records each announcement. */
export const SERVING_GROUP = 'serving';

/** Records each checkpoints.bf16 announcement in the model catalog, exactly once; the router loads it beside the version serving now. */
export class CheckpointConsumer extends CatalogConsumer<typeof checkpointBf16Contract.schema> {
  protected readonly lines = { recordedBefore: 'checkpoint announced before; recorded once', recorded: 'checkpoint recorded; loading it beside the version serving now' };

  protected record(catalog: ModelCatalog, manager: EntityManager, checkpoint: CheckpointBf16, eventId: string): Promise<boolean> {
    return catalog.record(manager, checkpoint, eventId);
  }

  protected logFields(checkpoint: CheckpointBf16): Record<string, unknown> {
    return { modelId: checkpoint.modelId, checkpointId: checkpoint.checkpointId };
  }
}
