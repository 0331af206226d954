import type { ArtifactStore } from '@distillery/artifacts';
import type { CheckpointBf16, DeploymentGated } from '@distillery/contracts';
import { type EvalRow, type MetricSummary, scoreCalls, summarize } from '@distillery/evaluation';
import type { Logger } from 'pino';
import { decideGate, type GateVerdict } from './gate-decision.js';
import { type E2eProbe, e2eSummary } from './gate-e2e.js';
import { GateInputError } from './gate.errors.js';
import { decodeRows, type GateEngine } from './gate-outputs.js';
import { type GateDataset, readGateRows } from './gate-rows.js';
import type { GateStore } from './gate-store.js';

export interface DeployGateOptions {
  readonly artifacts: ArtifactStore;
  readonly store: GateStore;
  readonly logger: Logger;
  /** Held-out rows decoded by each engine (DISTILLERY_SERVING_GATE_ROWS), each agent in turn. */
  readonly rows: number;
  /** How much worse than the incumbent's an agent metric may be (DISTILLERY_SERVING_GATE_TOLERANCE). */
  readonly tolerance: number;
  /** Tokens a row's completion may run to (DISTILLERY_SERVING_GATE_MAX_TOKENS). */
  readonly maxTokens: number;
  /** Rows an engine decodes at once. */
  readonly concurrency?: number;
  /** The E2E stress test, played against both versions after the held-out rows (DISTILLERY_SERVING_GATE_E2E_URL); none: agent metrics alone. */
  readonly e2e?: E2eProbe;
}

/** The version the router wants to serve, loaded in its engine but not serving yet. */
export interface GateCandidate {
  readonly checkpoint: CheckpointBf16;
  readonly engine: GateEngine;
}

/**
 * The deploy gate between a new student version and the one serving: both engines decode the same
 * held-out rows (the eval part of the dataset the candidate was trained on), every completion is
 * scored with the agent-level metrics (@distillery/evaluation), then, when an E2E probe is
 * configured, the E2E stress test is played through the agents against each version (one after the
 * other: its business switches change the agents' whole dealership); the candidate is served only if
 * no agent metric and not the E2E pass rate is worse than the incumbent's beyond the tolerance. The
 * E2E test failing to run is an error, not a verdict: the version is tried again later. The decision, its figures and
 * its lineage are recorded in serving.gates and published on deployments.gated (one transaction);
 * a refused version is marked refused, so the incumbent goes on serving. A version decided before
 * (by this or another replica) is not measured again.
 */
export class DeployGate {
  constructor(private readonly options: DeployGateOptions) {}

  async decide(candidate: GateCandidate, incumbent: GateEngine | undefined, signal: AbortSignal): Promise<DeploymentGated> {
    const { modelId, checkpointId } = candidate.checkpoint;
    const earlier = await this.options.store.decided(modelId, checkpointId);
    if (earlier) return earlier;
    const started = Date.now();
    const { verdict, measured } = await this.judge(candidate, incumbent, signal);
    const gated: DeploymentGated = {
      modelId,
      checkpointId,
      decision: verdict.decision,
      reason: verdict.reason,
      incumbent: incumbent?.version ?? null,
      tolerance: this.options.tolerance,
      rows: verdict.rows.map((row) => ({ agent: row.agent, metric: row.metric, incumbent: row.incumbent, candidate: row.candidate, higherIsBetter: row.higherIsBetter, ok: row.ok })),
      dataset: measured ? { datasetId: measured.dataset.datasetId, version: measured.dataset.version, manifest: measured.dataset.manifest } : null,
      evalRows: measured?.rows.length ?? 0,
      decidedAt: new Date().toISOString(),
      lineage: { ...candidate.checkpoint.lineage, checkpointId },
    };
    const { gated: standing, recorded } = await this.options.store.record(gated);
    this.options.logger[standing.decision === 'accepted' ? 'info' : 'warn'](
      { version: candidate.engine.version, incumbent: standing.incumbent, decision: standing.decision, reason: standing.reason, seconds: (Date.now() - started) / 1_000, recordedHere: recorded },
      `deploy gate: ${standing.decision}`,
    );
    return standing;
  }

  /** The verdict on the candidate, and the rows it was measured on (none: it names no usable held-out rows). */
  private async judge(candidate: GateCandidate, incumbent: GateEngine | undefined, signal: AbortSignal): Promise<{ verdict: GateVerdict; measured?: { rows: EvalRow[]; dataset: GateDataset } }> {
    let measured: { rows: EvalRow[]; dataset: GateDataset };
    try {
      measured = await readGateRows(this.options.artifacts, candidate.checkpoint, this.options.rows);
    } catch (error) {
      if (!(error instanceof GateInputError)) throw error;
      // A version that cannot be measured does not replace one that serves; a model's first version is served unmeasured.
      return { verdict: incumbent ? { decision: 'refused', reason: `cannot be measured: ${error.message}`, rows: [] } : { decision: 'accepted', reason: `no incumbent, and not measured: ${error.message}`, rows: [] } };
    }
    this.options.logger.info({ version: candidate.engine.version, incumbent: incumbent?.version ?? null, rows: measured.rows.length, dataset: measured.dataset.datasetId }, 'deploy gate: decoding the held-out rows');
    const [mine, theirs] = await Promise.all([this.measure(candidate.engine, measured.rows, signal), incumbent ? this.measure(incumbent, measured.rows, signal) : Promise.resolve(null)]);
    const { e2e } = this.options;
    if (e2e) {
      mine.push(await this.endToEnd(e2e, candidate.engine, signal));
      if (incumbent && theirs) theirs.push(await this.endToEnd(e2e, incumbent, signal));
    }
    return { verdict: decideGate(mine, theirs, this.options.tolerance, incumbent?.version), measured };
  }

  /** The E2E stress test played through the agents against `engine`'s version, as the gate's `e2e pass_rate` row. */
  private async endToEnd(e2e: E2eProbe, engine: GateEngine, signal: AbortSignal): Promise<MetricSummary> {
    this.options.logger.info({ version: engine.version }, 'deploy gate: the E2E stress test through the agents');
    const outcome = await e2e.passRate(engine.version, signal);
    this.options.logger.info({ version: engine.version, passed: outcome.passed, scenarios: outcome.scenarios, stressRun: outcome.runId }, 'deploy gate: E2E stress test done');
    return e2eSummary(outcome);
  }

  /** Every row decoded by `engine` and scored, summarised per agent metric (with 95% intervals). */
  private async measure(engine: GateEngine, rows: readonly EvalRow[], signal: AbortSignal): Promise<MetricSummary[]> {
    const outputs = await decodeRows(engine, rows, { maxTokens: this.options.maxTokens, concurrency: this.options.concurrency ?? 8, signal });
    return summarize(await scoreCalls(rows, (row) => outputs[rows.indexOf(row)]!));
  }
}
