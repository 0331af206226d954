import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArtifactStore, openArtifactStore, recordTraces, storeCheckpointDir, storeDatasetRows } from '@distillery/artifacts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { statusCommand } from './status.command.js';

/** A date-time in the minute form status prints, so lines can be asserted whole. */
const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ');

describe('distillery status', () => {
  let dir: string;
  let store: ArtifactStore;
  const env = () => ({ DISTILLERY_DATA_DIR: dir, DISTILLERY_LOG_LEVEL: 'silent' });
  const status = async (options: { all?: boolean } = {}) => {
    const lines: string[] = [];
    expect(await statusCommand(env(), (line) => lines.push(...line.split('\n')), options)).toBe(0);
    return lines;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-status-'));
    store = openArtifactStore(`file://${join(dir, 'artifacts')}`);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** campaign → traces (3) → dataset → checkpoint, as the simulator, the curator and the trainer record them; the checkpoint's createdAt. */
  async function storeRun(): Promise<string> {
    const campaign = { kind: 'campaign', id: 'camp_20261206_081505_df1d81' };
    await store.putManifest({ ...campaign, createdAt: '2026-12-06T08:15:05Z', createdBy: 'simulator', files: {}, metrics: { conversations: 2, turns: 3 } });
    const traces = await recordTraces(store, {
      id: 'ds_dealership.v1.traces',
      createdBy: 'curator',
      createdAt: '2026-12-06T08:15:10Z',
      traces: ['ev_1', 'ev_2', 'ev_3'].map((traceId, i) => ({ traceId, conversationId: `sess_${i % 2}`, campaignId: campaign.id })),
      parents: [campaign],
    });
    const dataset = await storeDatasetRows(store, { sft: [{ id: 's1' }], eval: [{ id: 'e1' }] }, { id: 'ds_dealership.v1', createdBy: 'curator', parents: [campaign, traces] });
    const student = join(dir, 'student');
    await mkdir(student, { recursive: true });
    await writeFile(join(student, 'model.safetensors'), 'weights');
    await storeCheckpointDir(store, student, {
      modelId: 'student-smollm2',
      checkpointId: 'ckpt_328944ec529e493e',
      datasetId: 'ds_dealership',
      datasetEventId: 'ev_ds',
      createdBy: 'trainer',
      datasetManifest: { kind: 'dataset', id: 'ds_dealership.v1', sha256: dataset.manifest.sha256 },
    });
    return (await store.listManifests()).find((entry) => entry.manifest.kind === 'checkpoint')!.manifest.createdAt;
  }

  it('summarises each kind, newest first, with a one-line lineage and no problems when every node is recorded', async () => {
    const createdAt = await storeRun();
    for (const day of [1, 2, 3]) {
      await store.putManifest({ kind: 'checkpoint', id: `ckpt_old_${day}`, createdAt: `2026-01-0${day}T00:00:00Z`, createdBy: 'trainer', files: {}, parents: [{ kind: 'dataset', id: 'ds_dealership.v1' }] });
    }
    const lines = await status();
    expect(lines[0]).toBe(`artifact store: file://${join(dir, 'artifacts')}`);
    const checkpoints = lines.indexOf('checkpoint (4)');
    expect(lines.slice(checkpoints, checkpoints + 8)).toEqual([
      'checkpoint (4)',
      `  ckpt_328944ec529e493e  ${minute(createdAt)}  model student-smollm2`,
      '    ← dataset ds_dealership.v1 ← traces(3) ← campaign',
      '  ckpt_old_3  2026-01-03 00:00',
      '    ← dataset ds_dealership.v1 ← traces(3) ← campaign',
      '  ckpt_old_2  2026-01-02 00:00',
      '    ← dataset ds_dealership.v1 ← traces(3) ← campaign',
      '  … 1 older (--all lists them)',
    ]);
    // Within 80 columns the oldest ids go first; the dataset's own line still names its campaign.
    expect(lines).toContain('    ← traces(3) ← campaign camp_20261206_081505_df1d81');
    expect(lines).toContain('traces (1)');
    expect(lines).toContain('  ds_dealership.v1.traces  2026-12-06 08:15  3 traces of 2 conversations');
    expect(lines).toContain('  camp_20261206_081505_df1d81  2026-12-06 08:15  2 conversations, 3 turns');
    expect(lines.indexOf('checkpoint (4)')).toBeLessThan(lines.indexOf('dataset (1)'));
    expect(lines.indexOf('dataset (1)')).toBeLessThan(lines.indexOf('traces (1)'));
    expect(lines.indexOf('traces (1)')).toBeLessThan(lines.indexOf('campaign (1)'));
    expect(lines.filter((line) => line.includes('lineage problems'))).toEqual([]);
    expect(lines.at(-1)).toBe('lineage resolves: every node the 7 manifests name is recorded');
    expect(lines.slice(1).filter((line) => line.length > 80)).toEqual([]);

    const all = await status({ all: true });
    expect(all).toContain('  ckpt_old_1  2026-01-01 00:00');
    expect(all.some((line) => line.includes('older'))).toBe(false);
  });

  it('names a node that is really missing once, not once per trace, and only where it is missing', async () => {
    await storeRun();
    const traceParents = Array.from({ length: 200 }, (_, i) => ({ kind: 'traces', id: `trace_${String(i).padStart(3, '0')}` }));
    await store.putManifest({ kind: 'dataset', id: 'ds_old.v1', createdAt: '2026-01-01T00:00:00Z', createdBy: 'curator', files: {}, parents: [{ kind: 'campaign', id: 'camp_gone' }, ...traceParents] });
    await store.putManifest({ kind: 'checkpoint', id: 'ckpt_old', createdAt: '2026-01-02T00:00:00Z', createdBy: 'trainer', files: {}, parents: [{ kind: 'dataset', id: 'ds_old.v1' }] });
    const lines = await status();
    const problems = lines.flatMap((line, i) => (line.includes('lineage problems') ? [line, lines[i + 1]] : []));
    expect(problems).toEqual([
      '    lineage problems: missing campaign camp_gone;',
      '      missing 200 traces nodes, e.g. trace_000',
      '    lineage problems: missing campaign camp_gone;',
      '      missing 200 traces nodes, e.g. trace_000',
      'lineage problems in 2 of 6 manifests: missing campaign camp_gone;',
      '  missing 200 traces nodes, e.g. trace_000',
    ]);
    expect(lines.join('\n')).toContain('  ckpt_old  2026-01-02 00:00\n    ← dataset ds_old.v1\n    lineage problems: missing campaign camp_gone;');
    expect(lines.filter((line) => line.includes('camp_gone'))).toHaveLength(3);
    expect(lines.slice(1).filter((line) => line.length > 80)).toEqual([]);
    expect((await status({ all: true })).filter((line) => line.includes('trace_199'))).toHaveLength(3);
  });

  it('says so when the store is empty', async () => {
    expect(await status()).toEqual([`artifact store: file://${join(dir, 'artifacts')}`, 'nothing yet: run `./distillery run` first']);
  });
});
