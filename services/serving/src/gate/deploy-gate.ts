import type { ArtifactStore } from '@distillery/artifacts';
import type { CheckpointBf16, DeploymentGated } from '@distillery/contracts';
import { type EvalRow, type MetricSummary, scoreCalls, summarize } from '@distillery/evaluation';
import type { Logger } from 'pino';
import { decideGate, type GateVerdict } from './gate-decision.js';
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
}

/** The version the router wants to serve, loaded in its engine but not serving yet. */
export interface GateCandidate {
  readonly checkpoint: CheckpointBf16;
  readonly engine: GateEngine;
}

/**
 * The deploy gate between a new student version and the one serving: both engines decode the same
 * held-out rows (the eval part of the dataset the candidate was trained on), every completion is
 * scored with the agent-level metrics (@distillery/evaluation), and the candidate is served only if
 * no agent metric is worse than the incumbent's beyond the tolerance. The decision, its figures and
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
    return { verdict: decideGate(mine, theirs, this.options.tolerance, incumbent?.version), measured };
  }

  /** Every row decoded by `engine` and scored, summarised per agent metric (with 95% intervals). */
  private async measure(engine: GateEngine, rows: readonly EvalRow[], signal: AbortSignal): Promise<MetricSummary[]> {
    const outputs = await decodeRows(engine, rows, { maxTokens: this.options.maxTokens, concurrency: this.options.concurrency ?? 8, signal });
    return summarize(await scoreCalls(rows, (row) => outputs[rows.indexOf(row)]!));
  }
}
