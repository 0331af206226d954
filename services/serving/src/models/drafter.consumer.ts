import { type DrafterReady, drafterReadyContract } from '@distillery/contracts';
import type { EntityManager } from 'typeorm';
import { CatalogConsumer } from './catalog.consumer.js';
import type { ModelCatalog } from './model-catalog.js';

/** The serving consumer group for drafters (its own: a group follows one topic). */
export const SERVING_DRAFTERS_GROUP = 'serving-drafters';

/** Records each drafters.ready announcement in the model catalog, exactly once; reloading the version with it is the router's job. */
export class DrafterConsumer extends CatalogConsumer<typeof drafterReadyContract.schema> {
  protected readonly lines = { recordedBefore: 'drafter announced before; recorded once', recorded: 'drafter recorded; its version is loaded with it beside the engine serving now' };

  protected record(catalog: ModelCatalog, manager: EntityManager, drafter: DrafterReady, eventId: string): Promise<boolean> {
    return catalog.recordDrafter(manager, drafter, eventId);
  }

  protected logFields(drafter: DrafterReady): Record<string, unknown> {
    return { modelId: drafter.modelId, checkpointId: drafter.checkpointId, drafterId: drafter.drafterId, acceptanceLength: drafter.metrics.acceptanceLength };
  }
}
