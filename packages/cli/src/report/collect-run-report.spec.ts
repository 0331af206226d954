import { describe, expect, it } from 'vitest';
import type { TrainedDrafter, TrainedStudent } from '../loop-stages.js';
import { collectRunReport, type RunOutcome } from './collect-run-report.js';
import { fixtureQuantized, fixtureReplay, fullRunReport } from './testing/run-report.fixture.js';

const overview = fullRunReport.overview;

/** The trainer's job as its view gives it: `curve` kept on the stages that trained. */
const student = {
  jobId: 'job_1',
  checkpointId: 'ckpt_0007',
  weights: 'file:///w',
  stages: [
    { stage: 'base', metrics: { held_out_loss: 3, 'held_out_loss.planner': 3.5, 'exact_match.planner': 0, eval_from: 'base' } },
    { stage: 'expand', metrics: { new_blocks: [2, 5] } },
    { stage: 'dpo', metrics: { 'exact_match.planner': 0.5, 'held_out_loss.planner': 1.5, 'agent.planner.execution_equivalent': 0.75, 'heldout.agent.planner.execution_equivalent': 0.5, reward_margin: 0.1 }, curve: [{ step: 1, loss: 0.69, rewardMargin: 0 }, { step: 2, loss: 0.6 }] },
  ],
} as unknown as TrainedStudent;

const drafter: TrainedDrafter = { jobId: 'dj_1', drafterId: 'eagle_0007', metrics: { acceptanceLength: 2.41, chainAcceptanceLength: 2.12, speedup: 1.31, chainSpeedup: 1.1, tokensPerSecond: 26.2, sameOutput: 4, heldOutPrompts: 4 } };

describe('the report’s data from what the run made', () => {
  it('has the run’s summary alone when nothing past the simulator ran', () => {
    expect(collectRunReport({ overview })).toEqual({ overview });
  });

  it('keeps each stage’s curve and numeric figures, and Figure 3’s per-agent figures of every stage, on the eval rows and the held-out-phrasing rows', () => {
    const data = collectRunReport({ overview, student });
    expect(data.training?.stages.map(({ stage, curve }) => [stage, curve.length])).toEqual([['base', 0], ['expand', 0], ['dpo', 2]]);
    expect(data.training?.stages[2]?.curve[0]).toEqual({ step: 1, loss: 0.69, rewardMargin: 0 });
    expect(data.training?.stages[1]?.metrics).toEqual({});
    expect(data.quality).toEqual([
      { subject: 'base', metric: 'held_out_loss', agent: 'planner', mean: 3.5 },
      { subject: 'base', metric: 'exact_match', agent: 'planner', mean: 0 },
      { subject: 'dpo', metric: 'exact_match', agent: 'planner', mean: 0.5 },
      { subject: 'dpo', metric: 'held_out_loss', agent: 'planner', mean: 1.5 },
      { subject: 'dpo', metric: 'execution_equivalent', agent: 'planner', mean: 0.75 },
      { subject: 'dpo (held-out phrasing)', metric: 'execution_equivalent', agent: 'planner', mean: 0.5 },
    ]);
  });

  it('adds agent-level metrics of packages/evaluation with their intervals', () => {
    const data = collectRunReport({ overview, evaluations: [{ subject: 'teacher', summaries: [{ metric: 'intent_accuracy', agent: 'understander', n: 40, mean: 0.9, low: 0.77, high: 0.96 }] }] });
    expect(data.quality).toEqual([{ subject: 'teacher', metric: 'intent_accuracy', agent: 'understander', n: 40, mean: 0.9, low: 0.77, high: 0.96 }]);
  });

  it('fills Table 1 with what the drafter’s and the quantizer’s jobs and serving measured, and no row they did not', () => {
    const data = collectRunReport({ overview, drafter, quantized: fixtureQuantized, replay: fixtureReplay });
    expect(data.speed?.map((row) => [row.system, row.tokensPerSecond, row.meanAcceptedLength, row.speedup && `${row.speedup.value.toFixed(2)} ${row.speedup.over}`, row.measuredBy])).toEqual([
      // the drafter's job measured no plain decoding speed here: no such row
      ['BF16 + EAGLE (chain)', undefined, 2.12, '1.10 plain BF16', 'drafter job dj_1 (4 held-out prompts)'],
      ['BF16 + EAGLE (tree)', 26.2, 2.41, '1.31 plain BF16', 'drafter job dj_1 (4 held-out prompts)'],
      ['BF16 student, plain decoding', 16, undefined, undefined, 'quantizer job qj_1'],
      ['FP8 student, plain decoding', 20, undefined, '1.25 plain BF16', 'quantizer job qj_1'],
      ['BF16 drafter on the FP8 student', undefined, 3.35, undefined, 'quantizer job qj_1'],
      ['EAGLE + FP8 (chain)', 10, 3.1, '0.50 plain FP8', 'quantizer job qj_1'],
      ['served in FP8 (calibration mixed, 1 sample) with drafter eagle_0007', undefined, 2.4, undefined, "serving's engine over the replay (40 drafts)"],
    ]);
    expect(data.drafter?.methods).toEqual([
      { method: 'chain', meanAcceptedLength: 2.12, speedup: 1.1 },
      { method: 'tree', meanAcceptedLength: 2.41, speedup: 1.31, tokensPerSecond: 26.2 },
    ]);
    expect(data.drafter).not.toHaveProperty('plainTokensPerSecond');
    expect(data.acceptance).toEqual({ drafterId: 'eagle_0007', rounds: 40, meanAcceptedLength: 2.4, rates: [0.8, 0.5, 0.25] });
    expect(data.fp8?.id).toMatch(/^fp8_/);
  });

  it('traces the lineage from the campaign to what serving served, with only the nodes the run made', () => {
    const run: RunOutcome = { overview, campaignId: 'camp_1', dataset: { datasetId: 'ds_dealership', version: 1, manifestUri: 'artifact:m', manifestSha256: 'm', counts: { sft: 289 } }, student, replay: fixtureReplay };
    expect(collectRunReport(run).lineage?.map((node) => `${node.kind} ${node.id}`)).toEqual(['campaign camp_1', 'dataset ds_dealership v1', 'checkpoint ckpt_0007', 'served student-dealership@ckpt_0007']);
  });
});
