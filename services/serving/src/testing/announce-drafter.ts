import { join } from 'node:path';
import type { ArtifactRef, DrafterReady } from '@distillery/contracts';
import { drafterReadyContract, encodeEvent } from '@distillery/contracts';
import type { RunningApp } from '@distillery/service-kit';

/**
 * Announces an EAGLE-3 drafter dir (the compute plane's `drafter` job writes one per variant) for
 * a version on drafters.ready the way the drafter service does: its config.json, model.safetensors
 * and manifest.json into the artifact store, a drafter manifest listing them, the event published
 * on the app's bus. `beforePublish` runs once the files are stored (a tamper test corrupts one).
 */
export async function announceDrafter(
  app: RunningApp,
  dir: string,
  ids: { readonly modelId: string; readonly checkpointId: string; readonly drafterId: string },
  options: { readonly metrics?: Readonly<Record<string, number>>; readonly beforePublish?: (files: Record<string, ArtifactRef>) => Promise<void> } = {},
): Promise<{ drafter: DrafterReady; files: Record<string, ArtifactRef> }> {
  const metrics = options.metrics ?? { acceptanceLength: 1 };
  const store = app.platform.artifacts;
  const files: Record<string, ArtifactRef> = {};
  for (const name of ['config.json', 'model.safetensors', 'manifest.json']) files[name] = await store.put({ path: join(dir, name) }, { kind: name === 'model.safetensors' ? 'safetensors' : 'drafter-file' });
  const manifest = await store.putManifest({ id: ids.drafterId, kind: 'drafter', createdAt: new Date().toISOString(), createdBy: 'serving-test', files, metrics: { ...metrics } });
  const drafter: DrafterReady = {
    modelId: ids.modelId,
    drafterId: ids.drafterId,
    checkpointId: ids.checkpointId,
    manifest,
    weights: files['model.safetensors']!,
    metrics: { ...metrics },
    lineage: { checkpointId: ids.checkpointId, drafterId: ids.drafterId, parentEventIds: [] },
  };
  await options.beforePublish?.(files);
  await app.platform.bus.publish(drafterReadyContract.topic, [encodeEvent(drafterReadyContract, drafter, { source: 'serving-test' })]);
  return { drafter, files };
}
