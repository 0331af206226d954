import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileArtifactStore } from './file-artifact-store.js';
import { lineageOf } from './lineage.js';
import { recordTraces, TRACES_FILE } from './traces-manifest.js';

describe('recordTraces', () => {
  let dir: string;
  let store: FileArtifactStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-traces-'));
    store = new FileArtifactStore(pathToFileURL(dir).href);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores every trace as a line of traces.jsonl under one traces manifest, and links to it by sha256', async () => {
    const traces = [
      { traceId: 'ev_1', conversationId: 'sess_a', turnId: 't1', turnIndex: 0, campaignId: 'camp_1', refinedEventId: 'rf_1' },
      { traceId: 'ev_2', conversationId: 'sess_a', turnId: 't2', turnIndex: 1, campaignId: 'camp_1' },
      { traceId: 'ev_3', conversationId: 'sess_b' },
    ];
    const link = await recordTraces(store, { id: 'ds.v1.traces', createdBy: 'curator', traces, parents: [{ kind: 'campaign', id: 'camp_1' }] });
    const listed = await store.listManifests();
    expect(listed).toHaveLength(1);
    const { ref, manifest } = listed[0]!;
    expect(link).toEqual({ kind: 'traces', id: 'ds.v1.traces', sha256: ref.sha256 });
    expect(manifest).toMatchObject({ kind: 'traces', createdBy: 'curator', parents: [{ kind: 'campaign', id: 'camp_1' }], metrics: { traces: 3, conversations: 2, campaigns: 1 } });
    const lines = (await store.get(manifest.files[TRACES_FILE]!)).toString('utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(traces);
  });

  it('is the node a dataset names: its lineage reaches the campaign through it', async () => {
    await store.putManifest({ id: 'camp_1', kind: 'campaign', createdAt: '2026-01-01T00:00:00Z', createdBy: 'simulator', files: {} });
    const traces = await recordTraces(store, { id: 'ds.v1.traces', createdBy: 'curator', traces: [{ traceId: 'ev_1' }], parents: [{ kind: 'campaign', id: 'camp_1' }] });
    await store.putManifest({ id: 'ds.v1', kind: 'dataset', createdAt: '2026-01-01T00:00:02Z', createdBy: 'curator', files: {}, parents: [{ kind: 'campaign', id: 'camp_1' }, traces] });
    const lineage = lineageOf('ds.v1', await store.listManifests());
    expect(lineage.chain.map((m) => m.id)).toEqual(['camp_1', 'ds.v1.traces', 'ds.v1']);
    expect(lineage.problems).toEqual([]);
  });
});
