import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileArtifactStore, storeDatasetRows } from '@distillery/artifacts';
import type { DeploymentGated } from '@distillery/contracts';
import type { RunningApp } from '@distillery/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuantizedStudent } from './loop-stages.js';
import { gateEvaluations, quantizerEvaluations, teacherEvaluation } from './teacher-evaluation.js';

const understanding = (intent: string) => JSON.stringify({ intents: [intent], entities: {}, state: {}, outOfScope: false });
const row = (id: string, refined: string, teacherOutput?: string) => ({ id, agent: 'understander', prompt: `<|system|>\nYou are the Understander.\n<|user|>\nmessage ${id}`, output: refined, turnId: `turn_${id}`, ...(teacherOutput === undefined ? {} : { teacherOutput }) });

describe('Figure 3’s subjects beside the stages', () => {
  let dir: string;
  let store: FileArtifactStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-teacher-eval-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  const app = () => ({ platform: { artifacts: store } }) as unknown as RunningApp;
  // as the curator's API lists it: the uri without the host's path, and the sha256
  const dataset = async (rows: object[]) => {
    const { manifest } = await storeDatasetRows(store, { eval: rows }, { id: `ds_${rows.length}`, createdBy: 'curator' });
    return { datasetId: 'ds', version: 1, counts: {}, manifestUri: `artifact:sha256/${manifest.sha256.slice(0, 2)}/${manifest.sha256}`, manifestSha256: manifest.sha256 };
  };

  it('scores the teacher’s own y against the judge’s y*: a corrected call counts against it', async () => {
    const teacher = await teacherEvaluation(app(), await dataset([row('a', understanding('greeting'), understanding('greeting')), row('b', understanding('dealership_info'), understanding('greeting'))]));
    expect(teacher?.subject).toBe('teacher');
    expect(teacher?.summaries.find((summary) => summary.agent === 'understander' && summary.metric === 'intent_accuracy')).toMatchObject({ n: 2, mean: 0.5 });
    expect(teacher?.summaries.find((summary) => summary.agent === 'turn')).toMatchObject({ metric: 'whole_turn_success', n: 2, mean: 0.5 });
  });

  it('has nothing to say for an eval part without the teacher’s outputs', async () => {
    expect(await teacherEvaluation(app(), await dataset([row('a', understanding('greeting'))]))).toBeUndefined();
  });

  it('turns the gate’s rows into the incumbent’s and the candidate’s figures', () => {
    const figure = (mean: number) => ({ mean, low: mean - 0.1, high: mean + 0.1, n: 8 });
    const gated = { modelId: 'student', checkpointId: 'ckpt_1', incumbent: 'smollm2-135m@abc', rows: [{ agent: 'planner', metric: 'plan_valid', incumbent: figure(0.4), candidate: figure(0.6), higherIsBetter: true, ok: true }] } as unknown as DeploymentGated;
    expect(gateEvaluations(gated)).toEqual([
      { subject: 'smollm2-135m@abc (gate)', summaries: [{ metric: 'plan_valid', agent: 'planner', ...figure(0.4) }] },
      { subject: 'student@ckpt_1 (gate)', summaries: [{ metric: 'plan_valid', agent: 'planner', ...figure(0.6) }] },
    ]);
  });

  it('takes the quantizer’s BF16 and FP8 figures from its manifest, and none when it kept none', async () => {
    const summary = { metric: 'faithful', agent: 'explainer', n: 4, mean: 0.75, low: 0.3, high: 0.95, interval: 'wilson' };
    const manifest = await store.putManifest({ id: 'fp8_abc', kind: 'fp8', createdAt: new Date().toISOString(), createdBy: 'quantizer', files: {}, attributes: { agentMetrics: { bf16: [summary], fp8: [{ ...summary, mean: 0.5 }] } } });
    expect(await quantizerEvaluations(app(), { fp8: { manifest } } as unknown as QuantizedStudent)).toEqual([
      { subject: 'student BF16 (quantizer)', summaries: [summary] },
      { subject: 'student FP8 (quantizer)', summaries: [{ ...summary, mean: 0.5 }] },
    ]);
    const bare = await store.putManifest({ id: 'fp8_def', kind: 'fp8', createdAt: new Date().toISOString(), createdBy: 'quantizer', files: {} });
    expect(await quantizerEvaluations(app(), { fp8: { manifest: bare } } as unknown as QuantizedStudent)).toEqual([]);
  });
});
