import { describe, expect, it } from 'vitest';
import { lineageOf } from './lineage.js';
import { lineageLine, lineageProblemPhrases } from './lineage-text.js';
import type { Manifest } from './manifest.js';

function manifest(kind: string, id: string, parents: Manifest['parents'] = [], metrics?: Record<string, number>): Manifest {
  return { id, kind, createdAt: '2026-01-01T00:00:00Z', createdBy: 'test', files: {}, parents, ...(metrics ? { metrics } : {}) };
}

const campaign = manifest('campaign', 'camp_20261206_081505_df1d81');
const traces = manifest('traces', 'ds_dealership.v1.traces', [{ kind: 'campaign', id: campaign.id }], { traces: 212 });
const dataset = manifest('dataset', 'ds_dealership.v1', [
  { kind: 'campaign', id: campaign.id },
  { kind: 'traces', id: traces.id },
]);
const checkpoint = manifest('checkpoint', 'ckpt_328944ec529e493e', [{ kind: 'dataset', id: dataset.id }]);
const chainOf = (id: string, manifests: Manifest[]) => lineageOf(id, manifests).chain;

describe('lineageLine', () => {
  it('reads newest first, the traces as their count', () => {
    expect(lineageLine(chainOf(checkpoint.id, [campaign, traces, dataset, checkpoint]))).toBe(
      'checkpoint ckpt_328944ec529e493e ← dataset ds_dealership.v1 ← traces(212) ← campaign camp_20261206_081505_df1d81',
    );
  });

  it('drops the oldest ids first to fit the width, then cuts', () => {
    const chain = chainOf(checkpoint.id, [campaign, traces, dataset, checkpoint]);
    expect(lineageLine(chain, 90)).toBe('checkpoint ckpt_328944ec529e493e ← dataset ds_dealership.v1 ← traces(212) ← campaign');
    expect(lineageLine(chain, 80)).toBe('checkpoint ckpt_328944ec529e493e ← dataset ← traces(212) ← campaign');
    expect(lineageLine(chain, 50)).toBe('checkpoint ← dataset ← traces(212) ← campaign');
    expect(lineageLine(chain, 30)).toBe('checkpoint ← dataset ← traces…');
    expect(lineageLine(chain, 30)).toHaveLength(30);
  });

  it('makes one step of several nodes of a kind', () => {
    const other = manifest('campaign', 'camp_2');
    const both = manifest('dataset', 'ds', [
      { kind: 'campaign', id: campaign.id },
      { kind: 'campaign', id: 'camp_2' },
    ]);
    expect(lineageLine(chainOf('ds', [campaign, other, both]))).toBe('dataset ds ← campaign ×2');
  });
});

describe('lineageProblemPhrases', () => {
  it('names one missing node by its id, many of a kind by their count unless all are asked for', () => {
    const old = manifest('dataset', 'ds', [{ kind: 'campaign', id: 'camp_1' }, ...['a', 'b', 'c'].map((id) => ({ kind: 'traces', id }))]);
    const { problems } = lineageOf('ds', [old]);
    expect(lineageProblemPhrases(problems)).toEqual(['missing campaign camp_1', 'missing 3 traces nodes, e.g. a']);
    expect(lineageProblemPhrases(problems, { all: true })).toEqual(['missing campaign camp_1', 'missing traces a', 'missing traces b', 'missing traces c']);
  });

  it('says nothing when the lineage resolves', () => {
    expect(lineageProblemPhrases(lineageOf(checkpoint.id, [campaign, traces, dataset, checkpoint]).problems)).toEqual([]);
  });
});
