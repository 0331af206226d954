import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArtifactStore, openArtifactStore } from '@distillery/artifacts';
import { checkpointBf16Schema, type DatasetReady } from '@distillery/contracts';
import type { EvalRow, MetricSummary } from '@distillery/evaluation';
import { createLogger } from '@distillery/service-kit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobProgress } from '../jobs/job-progress.js';
import type { TrainingJobEntity } from '../jobs/training-job.entity.js';
import { writeFakeTrainPython } from '../testing/fake-train-python.js';
import { publishFixtureDataset } from '../testing/fixture-dataset.js';
import { CheckpointTrainer } from './checkpoint-trainer.js';

const understanding = (intents: string[], entities: Record<string, unknown>) => JSON.stringify({ intents, entities, state: {}, outOfScope: false });
const verdict = (approve: boolean) => JSON.stringify({ approve, feedback: approve ? '' : 'the slot is outside opening hours' });

/** Held-out calls in the agents' own form, two turns of an Understander and an Evaluator call each. */
const EVAL_ROWS: EvalRow[] = [
  { id: 'a1', agent: 'understander', turnId: 'turn_a', prompt: '<|system|>\nYou are the Understander.\n<|user|>\nany hybrid SUVs under 35k?', output: understanding(['search_inventory'], { body: 'suv', fuel: 'hybrid', maxPrice: 35000 }) },
  { id: 'a2', agent: 'evaluator', turnId: 'turn_a', prompt: '<|system|>\nYou are the Evaluator.\n<|user|>\nCustomer: any hybrid SUVs under 35k?\nPlan:\nreturn searchInventory({ body: "suv", fuel: "hybrid", maxPrice: 35000 });', output: verdict(true) },
  { id: 'b1', agent: 'understander', turnId: 'turn_b', prompt: '<|system|>\nYou are the Understander.\n<|user|>\ncan I test drive a Corolla on Saturday?', output: understanding(['schedule_test_drive'], { model: 'Corolla', slot: 'saturday' }) },
  { id: 'b2', agent: 'evaluator', turnId: 'turn_b', prompt: '<|system|>\nYou are the Evaluator.\n<|user|>\nCustomer: can I test drive a Corolla on Saturday?\nPlan:\nreturn scheduleTestDrive({ vin: "X", slot: "2026-12-12T03:00" });', output: verdict(false) },
];

/** The DPO stage's student gets one Understander call and one Evaluator decision wrong (one in each turn). */
const WRONG = { b1: understanding(['greeting'], {}), a2: verdict(false) };

/** Held-out-phrasing calls (templates no training campaign used): one turn, an Understander and an Evaluator call. */
const HELD_OUT_ROWS: EvalRow[] = [
  { id: 'h1', agent: 'understander', turnId: 'turn_h', prompt: '<|system|>\nYou are the Understander.\n<|user|>\nyo, got any electric pickups?', output: understanding(['search_inventory'], { body: 'pickup', fuel: 'electric' }) },
  { id: 'h2', agent: 'evaluator', turnId: 'turn_h', prompt: '<|system|>\nYou are the Evaluator.\n<|user|>\nCustomer: yo, got any electric pickups?\nPlan:\nreturn searchInventory({ body: "pickup", fuel: "electric" });', output: verdict(true) },
];

/** On the held-out phrasing the DPO stage's student also misreads the Understander call. */
const WRONG_WITH_HELD_OUT = { ...WRONG, h1: understanding(['greeting'], {}) };

const logger = createLogger('trainer-test', 'silent');

describe('a training job’s agent-level metrics per stage', () => {
  let dir: string;
  let store: ArtifactStore;
  let dataset: DatasetReady;

  const job = (id: string) =>
    ({
      id,
      dataset,
      datasetEventId: 'evt_dataset',
      modelId: 'student-unit',
      settings: { preset: 'micro', stages: ['cpt', 'sft', 'dpo'], device: 'cpu', seed: 0, evalLimit: 4 },
    }) as unknown as TrainingJobEntity;

  async function train(python: string, jobId = 'job_agentmetrics') {
    const progress = new JobProgress();
    const info = vi.spyOn(logger, 'info');
    const trainer = new CheckpointTrainer({ artifacts: store, dataDir: join(dir, 'data'), python });
    try {
      const checkpoint = checkpointBf16Schema.parse(await trainer.train(job(jobId), { signal: new AbortController().signal, progress, logger }));
      const lines = info.mock.calls.filter(([, message]) => typeof message === 'string' && message.includes('agent-level metrics'));
      return { checkpoint, progress, lines: lines.map(([fields]) => fields as { stage: string; metrics: Record<string, number> }) };
    } finally {
      info.mockRestore();
    }
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-trainer-agent-metrics-'));
    store = openArtifactStore(`file://${join(dir, 'artifacts')}`);
    dataset = await publishFixtureDataset(store, { datasetId: 'ds_agent', campaignId: 'camp_agent', evalRows: EVAL_ROWS });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scores each stage’s decoded outputs against the held-out rows: a copy of the references scores 1, a wrong student less', async () => {
    const python = await writeFakeTrainPython(dir, [{ stage: 'cpt' }, { stage: 'sft', outputs: {} }, { stage: 'dpo', outputs: WRONG }]);
    const { checkpoint, progress, lines } = await train(python);
    const figures = Object.fromEntries(checkpoint.stages.map((stage) => [stage.stage, stage.metrics]));

    // the copy of the references has full marks on every agent metric and every turn
    expect(figures.sft).toMatchObject({
      train_loss: 1.5,
      'agent.understander.parsed': 1,
      'agent.understander.intent_accuracy': 1,
      'agent.understander.entity_f1': 1,
      'agent.evaluator.decision_accuracy': 1,
      'agent.turn.whole_turn_success': 1,
    });
    // one of two Understander calls and one of two Evaluator decisions wrong: half, and neither turn succeeds
    expect(figures.dpo).toMatchObject({
      'agent.understander.parsed': 1,
      'agent.understander.intent_accuracy': 0.5,
      'agent.evaluator.parsed': 1,
      'agent.evaluator.decision_accuracy': 0.5,
      'agent.turn.whole_turn_success': 0,
    });
    expect(figures.dpo!['agent.understander.entity_f1']).toBeLessThan(1);
    // a stage that decoded nothing has no agent metrics
    expect(Object.keys(figures.cpt!).filter((key) => key.startsWith('agent.'))).toEqual([]);

    // the manifest: the figures under `<stage>.agent.…`, the summaries with their intervals in attributes.agentMetrics
    const manifest = await store.getManifest(checkpoint.manifest);
    expect(manifest.metrics).toMatchObject({ 'sft.agent.turn.whole_turn_success': 1, 'dpo.agent.evaluator.decision_accuracy': 0.5 });
    const agentMetrics = manifest.attributes?.agentMetrics as Record<string, MetricSummary[]>;
    expect(Object.keys(agentMetrics).sort()).toEqual(['dpo', 'sft']);
    const decision = agentMetrics.dpo!.find((summary) => summary.agent === 'evaluator' && summary.metric === 'decision_accuracy');
    expect(decision).toMatchObject({ n: 2, mean: 0.5, interval: 'wilson' });
    expect(decision!.low).toBeLessThan(0.5);
    expect(decision!.high).toBeGreaterThan(0.5);
    expect(agentMetrics.sft!.find((summary) => summary.agent === 'turn')).toMatchObject({ metric: 'whole_turn_success', n: 2, mean: 1 });
    // kept once: not repeated in attributes.stages
    const stageAttributes = (manifest.attributes?.stages ?? []) as Array<Record<string, unknown>>;
    expect(stageAttributes.map((stage) => [stage.stage, 'agentMetrics' in stage])).toEqual([['cpt', false], ['sft', false], ['dpo', false]]);

    // the job's row: the same figures and the summaries with each stage (the run report reads them there)
    const rowStages = Object.fromEntries(progress.snapshot.stages.map((stage) => [stage.stage, stage]));
    expect(rowStages.dpo!.metrics).toMatchObject({ 'agent.understander.intent_accuracy': 0.5 });
    expect(rowStages.dpo!.agentMetrics).toEqual(agentMetrics.dpo);
    expect(rowStages.cpt!.agentMetrics).toBeUndefined();

    // one log line per scored stage
    expect(lines.map((line) => line.stage)).toEqual(['sft', 'dpo']);
    expect(lines[1]!.metrics['agent.turn.whole_turn_success']).toBe(0);

    // a dataset without held-out-phrasing rows: no heldout figures, no summaries
    expect(Object.values(figures).flatMap((metrics) => Object.keys(metrics).filter((key) => key.startsWith('heldout.')))).toEqual([]);
    expect(manifest.attributes).not.toHaveProperty('heldOutAgentMetrics');
    expect(progress.snapshot.stages.map((stage) => stage.heldOutAgentMetrics)).toEqual([undefined, undefined, undefined]);
  });

  it('scores each stage’s held-out-phrasing outputs against the eval-heldout rows, as heldout.agent.<agent>.<metric> beside the eval figures', async () => {
    dataset = await publishFixtureDataset(store, { datasetId: 'ds_agent', campaignId: 'camp_agent', evalRows: EVAL_ROWS, evalHeldOutRows: HELD_OUT_ROWS });
    const python = await writeFakeTrainPython(dir, [{ stage: 'cpt' }, { stage: 'sft', outputs: {} }, { stage: 'dpo', outputs: WRONG_WITH_HELD_OUT }]);
    const { checkpoint, progress, lines } = await train(python, 'job_heldout');
    const figures = Object.fromEntries(checkpoint.stages.map((stage) => [stage.stage, stage.metrics]));

    // the held-out phrasing scored on its own rows, the eval figures as before
    expect(figures.sft).toMatchObject({ 'heldout.agent.understander.intent_accuracy': 1, 'heldout.agent.evaluator.decision_accuracy': 1, 'heldout.agent.turn.whole_turn_success': 1, 'agent.turn.whole_turn_success': 1 });
    expect(figures.dpo).toMatchObject({ 'heldout.agent.understander.intent_accuracy': 0, 'heldout.agent.evaluator.decision_accuracy': 1, 'heldout.agent.turn.whole_turn_success': 0, 'agent.understander.intent_accuracy': 0.5 });
    expect(Object.keys(figures.cpt!).filter((key) => key.startsWith('heldout.'))).toEqual([]);

    // the manifest: `<stage>.heldout.agent.…` figures, the summaries in attributes.heldOutAgentMetrics beside attributes.agentMetrics
    const manifest = await store.getManifest(checkpoint.manifest);
    expect(manifest.metrics).toMatchObject({ 'sft.heldout.agent.turn.whole_turn_success': 1, 'dpo.heldout.agent.understander.intent_accuracy': 0 });
    const heldOut = manifest.attributes?.heldOutAgentMetrics as Record<string, MetricSummary[]>;
    expect(Object.keys(heldOut).sort()).toEqual(['dpo', 'sft']);
    expect(heldOut.dpo!.find((summary) => summary.agent === 'understander' && summary.metric === 'intent_accuracy')).toMatchObject({ n: 1, mean: 0 });
    expect(heldOut.sft!.find((summary) => summary.agent === 'turn')).toMatchObject({ metric: 'whole_turn_success', n: 1, mean: 1 });
    const agentMetrics = manifest.attributes?.agentMetrics as Record<string, MetricSummary[]>;
    expect(agentMetrics.dpo!.find((summary) => summary.agent === 'turn')).toMatchObject({ n: 2, mean: 0 });
    const stageAttributes = (manifest.attributes?.stages ?? []) as Array<Record<string, unknown>>;
    expect(stageAttributes.some((stage) => 'heldOutAgentMetrics' in stage)).toBe(false);

    // the job's row and one log line per scored stage and set
    const rowStages = Object.fromEntries(progress.snapshot.stages.map((stage) => [stage.stage, stage]));
    expect(rowStages.dpo!.heldOutAgentMetrics).toEqual(heldOut.dpo);
    expect(rowStages.dpo!.metrics).toMatchObject({ 'heldout.agent.understander.intent_accuracy': 0 });
    expect(rowStages.cpt!.heldOutAgentMetrics).toBeUndefined();
    expect(lines.map((line) => line.stage)).toEqual(['sft', 'dpo', 'sft', 'dpo']);
    expect(lines[3]!.metrics['heldout.agent.turn.whole_turn_success']).toBe(0);
  });
});
