import { checkpointFp8Contract, type CheckpointFp8 } from '@distillery/contracts';
import type { QuantizerManifest } from '@distillery/serving';
import type { QuantizedStudent } from '../../loop-stages.js';
import type { ReplayScores, StudentReplay } from '../../student-replay.js';
import type { RunReportData } from '../run-report-data.js';

/** A quantize run's manifest.json as the compute plane writes it, trimmed to what the report reads. */
export const fixtureQuantizerManifest: QuantizerManifest = {
  calibration: { set: 'mixed', length: 256, samples: 1 },
  clip_rates: { total: 1.04e-5 },
  sweep: { sets: { public: { '32': { clip_rate: 6.28e-5 }, '256': { clip_rate: 8.9e-6 } }, mixed: { '256': { clip_rate: 1.04e-5 }, '32': { clip_rate: 4e-5 }, '64': { clip_rate: 'nan' } } } },
  metrics: { bf16: { exact_match: 0.5 }, fp8: { exact_match: 0.5 }, greedy_agreement: 0.5, decode: { bf16: { tokens_per_s: 16 }, fp8: { tokens_per_s: 20 } } },
  acceptance: { bf16_drafter: { mean_accepted_length: 3.35 }, fp8_drafter: { mean_accepted_length: 3.1, tokens_per_s: 10, spec: { method: 'chain' } } },
  memory: { bf16_bytes: 318_629_016, fp8_bytes: 187_742_320, drafter_bf16_bytes: 12_605_352, drafter_fp8_bytes: 7_519_688, saved_bytes: 135_972_360 },
};
const fixtureFp8: CheckpointFp8 = { ...checkpointFp8Contract.example, calibration: { set: 'mixed', samples: 1 } };
export const fixtureQuantized: QuantizedStudent = { jobId: 'qj_1', fp8: fixtureFp8, manifest: fixtureQuantizerManifest };

const scores = (rate: number): ReplayScores => ({
  turns: 4,
  turnsCompleted: rate,
  metrics: ([['understander', 'intent_accuracy'], ['planner', 'plan_valid'], ['explainer', 'faithful'], ['turn', 'completed']] as const).map(([agent, metric]) => ({ metric, agent, n: 4, mean: rate, low: rate / 2, high: (1 + rate) / 2, interval: 'wilson' as const })),
});

/** A replay of 2 held-out conversations on an FP8 student with its drafter. */
export const fixtureReplay: StudentReplay = {
  version: 'student-dealership@ckpt_0007',
  servedAs: { precision: 'fp8', calibration: { set: 'mixed', samples: 1 }, drafterId: 'eagle_0007', refusals: [] },
  conversations: 2,
  teacher: scores(1),
  student: scores(0.5),
  drafter: { drafterId: 'eagle_0007', rounds: 40, meanAcceptedLength: 2.4, acceptanceByPosition: [0.8, 0.5, 0.25] },
};

/** A run's report data with every section filled in. */
export const fullRunReport: RunReportData = {
  overview: {
    runId: 'run_20261206220000_abcdef',
    startedAt: '2026-12-06T22:00:00.000Z',
    elapsed: '12 min 3 s',
    mode: 'embedded (in-process bus, PGlite, CPU)',
    health: 'ok',
    compute: 'torch 2.5.1 on cpu',
    campaign: 'camp_1: 30 conversations (0 failed), 120 turns',
    stages: [
      { name: 'simulator/campaigns', state: 'run', note: 'camp_1: 30 conversations' },
      { name: 'trainer/sft-lora', state: 'run', note: 'sft: held-out loss 1.234' },
      { name: 'console/web', state: 'not implemented' },
    ],
  },
  training: {
    jobId: 'job_0123456789abcdef',
    checkpointId: 'ckpt_0007',
    stages: [
      { stage: 'base', curve: [], metrics: { held_out_loss: 3.1 } },
      { stage: 'cpt', curve: [{ step: 1, loss: 3.2 }, { step: 2, loss: 2.9 }, { step: 3, loss: 2.7 }], metrics: { train_loss: 2.8, held_out_loss: 2.9 } },
      { stage: 'sft', curve: [{ step: 1, loss: 2.1 }, { step: 2, loss: 1.6 }, { step: 3, loss: 1.3 }], metrics: { train_loss: 1.5, held_out_loss: 1.234 } },
      { stage: 'dpo', curve: [{ step: 1, loss: 0.69, rewardMargin: 0 }, { step: 2, loss: 0.66, rewardMargin: 0.05 }, { step: 3, loss: 0.61, rewardMargin: 0.12 }], metrics: { train_loss: 0.65, reward_margin: 0.06, preference_accuracy: 0.75 } },
    ],
  },
  quality: [
    { subject: 'sft', metric: 'exact_match', agent: 'planner', mean: 0.5 },
    { subject: 'dpo', metric: 'exact_match', agent: 'planner', mean: 0.75 },
    { subject: 'teacher', metric: 'intent_accuracy', agent: 'understander', n: 40, mean: 0.9, low: 0.77, high: 0.96 },
    { subject: 'dpo', metric: 'intent_accuracy', agent: 'understander', n: 40, mean: 0.6, low: 0.44, high: 0.74 },
  ],
  fp8: {
    id: 'fp8_111111111111',
    format: 'e4m3',
    calibration: { set: 'mixed', samples: 1, length: 256 },
    deployedClipRate: 1.04e-5,
    clipRates: [
      { set: 'public', length: 32, clipRate: 6.28e-5 },
      { set: 'public', length: 256, clipRate: 8.9e-6 },
      { set: 'mixed', length: 32, clipRate: 4e-5 },
      { set: 'mixed', length: 256, clipRate: 1.04e-5 },
    ],
    exactMatch: { bf16: 0.5, fp8: 0.5 },
    greedyAgreement: 0.75,
    bytes: { bf16: 331_234_368, fp8: 195_262_008 },
    savedBytes: 135_972_360,
    withDrafter: true,
    served: 'in FP8 (calibration mixed, 1 sample) with drafter eagle_0007',
  },
  speed: [
    { system: 'BF16 student, plain decoding', tokensPerSecond: 20, measuredBy: 'drafter job dj_1 (4 held-out prompts)' },
    { system: 'BF16 + EAGLE (tree)', tokensPerSecond: 26.2, meanAcceptedLength: 2.41, speedup: { value: 1.31, over: 'plain BF16' }, measuredBy: 'drafter job dj_1 (4 held-out prompts)' },
  ],
  drafter: {
    drafterId: 'eagle_0007',
    jobId: 'dj_1',
    methods: [
      { method: 'chain', meanAcceptedLength: 2.12, speedup: 1.1 },
      { method: 'tree', meanAcceptedLength: 2.41, speedup: 1.31, tokensPerSecond: 26.2 },
    ],
    plainTokensPerSecond: 20,
    sameOutput: 4,
    heldOutPrompts: 4,
    trainLoss: 1.75,
  },
  acceptance: { drafterId: 'eagle_0007', rounds: 40, meanAcceptedLength: 2.4, rates: [0.8, 0.5, 0.25] },
  replay: fixtureReplay,
  gate: {
    decision: 'refused',
    reason: 'worse than ckpt_0006 beyond the tolerance 0.05: planner plan_valid 0.500 against 0.700',
    incumbent: 'student-dealership@ckpt_0006',
    candidate: 'student-dealership@ckpt_0007',
    rows: [
      { metric: 'plan_valid', agent: 'planner', incumbent: { mean: 0.7, low: 0.55, high: 0.82, n: 40 }, candidate: { mean: 0.5, low: 0.35, high: 0.65, n: 40 }, tolerance: 0.05, ok: false },
      { metric: 'faithful', agent: 'explainer', incumbent: 0.8, candidate: 0.82, tolerance: 0.05, ok: true },
    ],
  },
  lineage: [
    { kind: 'campaign', id: 'camp_1' },
    { kind: 'dataset', id: 'ds_dealership v1', note: '289 sft, 52 eval' },
    { kind: 'checkpoint', id: 'ckpt_0007', note: 'trainer job job_0123456789abcdef' },
  ],
};
