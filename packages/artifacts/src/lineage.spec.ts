import { describe, expect, it } from 'vitest';
import { lineageOf } from './lineage.js';
import type { Manifest } from './manifest.js';

const STAGES = ['campaign', 'traces', 'dataset', 'checkpoint', 'drafter', 'fp8'] as const;

function manifest(kind: string, id: string, parents: Manifest['parents'] = []): Manifest {
  return { id, kind, createdAt: '2025-01-01T00:00:00Z', createdBy: 'test', files: {}, parents };
}

/** campaign → traces → dataset → checkpoint → drafter → fp8, ids `<kind>_1`. */
function chain(): Manifest[] {
  return STAGES.map((kind, i) => {
    const parent = STAGES[i - 1];
    return manifest(kind, `${kind}_1`, parent ? [{ kind: parent, id: `${parent}_1` }] : []);
  });
}

describe('lineageOf', () => {
  it('walks a 6-level chain back to the campaign, oldest first', () => {
    const shuffled = [...chain()].reverse();
    const lineage = lineageOf('fp8_1', shuffled);
    expect(lineage.chain.map((m) => m.kind)).toEqual([...STAGES]);
    expect(lineage.problems).toEqual([]);
  });

  it('starts from the middle of the chain', () => {
    expect(lineageOf('dataset_1', chain()).chain.map((m) => m.id)).toEqual(['campaign_1', 'traces_1', 'dataset_1']);
  });

  it('reports a missing parent and returns what it could walk', () => {
    const withoutTraces = chain().filter((m) => m.kind !== 'traces');
    const lineage = lineageOf('fp8_1', withoutTraces);
    expect(lineage.chain.map((m) => m.kind)).toEqual(['dataset', 'checkpoint', 'drafter', 'fp8']);
    expect(lineage.problems).toEqual([{ type: 'missing', parent: { kind: 'traces', id: 'traces_1' }, referencedBy: 'dataset_1' }]);
  });

  it('reports an unknown start manifest', () => {
    expect(lineageOf('nope', chain())).toEqual({ chain: [], problems: [{ type: 'missing', parent: { kind: '?', id: 'nope' }, referencedBy: null }] });
  });

  it('reports a cycle instead of looping', () => {
    const a = manifest('dataset', 'a', [{ kind: 'dataset', id: 'b' }]);
    const b = manifest('dataset', 'b', [{ kind: 'dataset', id: 'c' }]);
    const c = manifest('dataset', 'c', [{ kind: 'dataset', id: 'a' }]);
    const lineage = lineageOf('a', [a, b, c]);
    expect(lineage.problems).toEqual([{ type: 'cycle', ids: ['a', 'b', 'c', 'a'] }]);
    expect(lineage.chain.map((m) => m.id)).toEqual(['c', 'b', 'a']);
  });

  it('includes every ancestor once when a manifest has several parents', () => {
    const campaign = manifest('campaign', 'c');
    const t1 = manifest('traces', 't1', [{ kind: 'campaign', id: 'c' }]);
    const t2 = manifest('traces', 't2', [{ kind: 'campaign', id: 'c' }]);
    const ds = manifest('dataset', 'ds', [
      { kind: 'traces', id: 't1' },
      { kind: 'traces', id: 't2' },
    ]);
    expect(lineageOf('ds', [ds, t2, t1, campaign]).chain.map((m) => m.id)).toEqual(['c', 't1', 't2', 'ds']);
  });

  it('prefers the pinned sha256 over kind + id', () => {
    const ref = (sha: string) => ({ uri: 'file:///x', sha256: sha, size: 1, kind: 'manifest', parents: [] });
    const v1 = manifest('traces', 't', []);
    const v2 = { ...manifest('traces', 't', [{ kind: 'campaign', id: 'c' }]) };
    const ds = manifest('dataset', 'ds', [{ kind: 'traces', id: 't', sha256: '1'.repeat(64) }]);
    const lineage = lineageOf('ds', [
      { ref: ref('1'.repeat(64)), manifest: v1 },
      { ref: ref('2'.repeat(64)), manifest: v2 },
      { ref: ref('3'.repeat(64)), manifest: ds },
    ]);
    expect(lineage.chain).toEqual([v1, ds]);
    expect(lineage.problems).toEqual([]);
  });

  it('resolves checkpoint → dataset → traces → campaign as the curator records it, with no problems', () => {
    const campaign = manifest('campaign', 'camp_1');
    const traces = manifest('traces', 'ds_1.v1.traces', [{ kind: 'campaign', id: 'camp_1' }]);
    const dataset = manifest('dataset', 'ds_1.v1', [
      { kind: 'campaign', id: 'camp_1' },
      { kind: 'traces', id: 'ds_1.v1.traces' },
    ]);
    const checkpoint = manifest('checkpoint', 'ckpt_1', [{ kind: 'dataset', id: 'ds_1.v1' }]);
    const lineage = lineageOf('ckpt_1', [checkpoint, dataset, traces, campaign]);
    expect(lineage.chain.map((m) => m.kind)).toEqual(['campaign', 'traces', 'dataset', 'checkpoint']);
    expect(lineage.problems).toEqual([]);
  });

  it('names a missing node once, however many manifests of the lineage point at it', () => {
    const traces = manifest('traces', 't', [{ kind: 'campaign', id: 'camp_gone' }]);
    const dataset = manifest('dataset', 'ds', [
      { kind: 'campaign', id: 'camp_gone' },
      { kind: 'traces', id: 't' },
    ]);
    const checkpoint = manifest('checkpoint', 'ckpt', [{ kind: 'dataset', id: 'ds' }]);
    const lineage = lineageOf('ckpt', [checkpoint, dataset, traces]);
    expect(lineage.problems).toEqual([{ type: 'missing', parent: { kind: 'campaign', id: 'camp_gone' }, referencedBy: 'ds' }]);
    expect(lineage.chain.map((m) => m.id)).toEqual(['t', 'ds', 'ckpt']);
  });
});
