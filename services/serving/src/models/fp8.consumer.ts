import { type CheckpointFp8, checkpointFp8Contract } from '@distillery/contracts';
import type { EntityManager } from 'typeorm';
import { CatalogConsumer, type CatalogConsumerOptions } from './catalog.consumer.js';
import { fp8IdOf, type ModelCatalog } from './model-catalog.js';

/** The serving consumer group for FP8 versions (its own: a group follows one topic). */
export const SERVING_FP8_GROUP = 'serving-fp8';

/**
 * Records each checkpoints.fp8 announcement in the model catalog, exactly once, whatever the
 * precision served: the catalog is shared, and a replica on DISTILLERY_SERVING_PRECISION=fp8 loads
 * what one on bf16 recorded. Loading the version as it is the router's job; the log line says which.
 */
export class Fp8Consumer extends CatalogConsumer<typeof checkpointFp8Contract.schema> {
  protected readonly lines: { readonly recordedBefore: string; readonly recorded: string };

  constructor(options: CatalogConsumerOptions & { readonly precision: 'fp8' | 'bf16' }) {
    super(options);
    this.lines = {
      recordedBefore: 'FP8 version announced before; recorded once',
      recorded:
        options.precision === 'fp8'
          ? 'FP8 version recorded; its version is loaded in FP8 beside the engine serving now'
          : 'FP8 version recorded, not served: DISTILLERY_SERVING_PRECISION=bf16 serves every version in BF16',
    };
  }

  protected record(catalog: ModelCatalog, manager: EntityManager, fp8: CheckpointFp8, eventId: string): Promise<boolean> {
    return catalog.recordFp8(manager, fp8, eventId);
  }

  protected logFields(fp8: CheckpointFp8): Record<string, unknown> {
    return { modelId: fp8.modelId, checkpointId: fp8.checkpointId, fp8Id: fp8IdOf(fp8), drafterId: fp8.drafterId ?? null, calibration: fp8.calibration };
  }
}
