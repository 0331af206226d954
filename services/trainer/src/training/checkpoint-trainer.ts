import { DatasetPartMissingError, JobRunDirs } from '@distillery/jobs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ArtifactStore } from '@distillery/artifacts';
import { runTrainJob, type TrainEvent } from '@distillery/compute';
import type { ArtifactRef, CheckpointBf16, DatasetReady } from '@distillery/contracts';
import { type MetricSummary, readEvalRows } from '@distillery/evaluation';
import { importsBase } from '../config/trainer.config.js';
import { AGENT_METRICS_SETS, type AgentMetricsSet, agentFigures, numericMetrics, withAgentMetrics } from '../jobs/stage-result.js';
import type { StageResult } from '../jobs/stage-result.js';
import type { TrainingJobEntity } from '../jobs/training-job.entity.js';
import type { TrainingContext, TrainingRunner } from '../queue/training-runner.js';
import { BaseImporter } from './base-importer.js';
import { publishCheckpoint } from './publish-checkpoint.js';
import { EVAL_OUTPUTS_FILE, HELD_OUT_OUTPUTS_FILE, scoreStageOutputs } from './stage-agent-metrics.js';

/** The parts the stages train on; `eval` (held-out) is used when present, and with it the dataset's `evalHeldOut` (held-out phrasing) when it has rows. */
export const REQUIRED_PARTS = ['cpt', 'sft', 'dpo'] as const;

/** A progress line reaches the logs at most this often per job (every line reaches the job's row, once a second). */
const LOG_PROGRESS_EVERY_MS = 10_000;

export interface CheckpointTrainerOptions {
  readonly artifacts: ArtifactStore;
  /** The platform's data dir: a job's run dir is `<dataDir>/trainer/<jobId>`, where a resumed job finds its state; imported bases are under `<dataDir>/bases`. */
  readonly dataDir: string;
  /** The compute plane's Python (default: DISTILLERY_COMPUTE_PYTHON, else compute/.venv). */
  readonly python?: string;
  /** Between SIGTERM and SIGKILL when a job is stopped. */
  readonly killGraceMs?: number;
}

/** The checkpoint id a job's student gets (its own id's suffix, so the two are easy to match). */
export function checkpointIdOf(jobId: string): string {
  return `ckpt_${jobId.replace(/^job_/, '')}`;
}

/**
 * The real TrainingRunner: resolves the dataset's parts in the artifact store (sha256 verified),
 * imports (or verifies) the packaged base when the preset trains on one (BaseImporter),
 * runs `python -m distillery_compute train` in the job's run dir (resuming it when it exists),
 * folds its progress into the job and the logs, scores each stage's decoded held-out outputs with
 * the agent-level metrics (into the stage's figures, the job's row and the checkpoint manifest),
 * and those of the held-out-phrasing rows when the dataset has them (`heldout.agent.<agent>.<metric>`,
 * a generalisation figure), and publishes the student with its manifest.
 */
export class CheckpointTrainer {
  private readonly bases: BaseImporter;
  /** Its jobs' run dirs, `<dataDir>/trainer/<jobId>`: removed once a job has ended, a failed one's kept. */
  readonly runDirs: JobRunDirs;

  constructor(private readonly options: CheckpointTrainerOptions) {
    this.bases = new BaseImporter(options);
    this.runDirs = new JobRunDirs(options.dataDir, 'trainer');
  }

  readonly train: TrainingRunner = async (job: TrainingJobEntity, context: TrainingContext): Promise<CheckpointBf16> => {
    const { artifacts } = this.options;
    const dataset = job.dataset as DatasetReady;
    const parts = await this.partsOf(dataset);
    const datasetManifest = await artifacts.getManifest(dataset.manifest);
    const runDir = this.runDirs.of(job.id);
    const { settings } = job;
    // No base dir given: micro and tiny bootstrap one in the run; smollm2-135m trains on the packaged base, imported once.
    const base = settings.base ?? (importsBase(settings.preset) ? (await this.bases.ensure(settings.preset, context)).out : undefined);
    context.logger.info({ runDir, parts: Object.keys(parts), preset: settings.preset, base, stages: settings.stages }, 'training: dataset parts verified, compute job starting');
    let lastLogged = 0;
    const done = await runTrainJob(
      {
        runDir,
        preset: settings.preset,
        cpt: parts.cpt,
        sft: parts.sft,
        dpo: parts.dpo,
        ...(parts.eval ? { eval: parts.eval } : {}),
        ...(parts.eval && parts.evalHeldOut ? { evalHeldOut: parts.evalHeldOut } : {}),
        ...(base ? { base } : {}),
        seed: settings.seed,
        stages: settings.stages,
        ...(settings.maxSteps ? { maxSteps: settings.maxSteps } : {}),
        evalLimit: settings.evalLimit,
        ...(settings.evalRows ? { evalRows: settings.evalRows } : {}),
        device: settings.device,
      },
      {
        signal: context.signal,
        logger: context.logger,
        ...(this.options.python ? { python: this.options.python } : {}),
        ...(this.options.killGraceMs !== undefined ? { killGraceMs: this.options.killGraceMs } : {}),
        onEvent: (event: TrainEvent) => {
          context.progress.apply(event);
          if (event.event === 'stage_start') context.logger.info({ stage: event.stage }, 'training stage started');
          else if (event.event === 'stage_done') context.logger.info({ stage: event.stage, skipped: event.skipped, metrics: numericMetrics(event.metrics) }, 'training stage done');
          else if (event.event === 'progress' && Date.now() - lastLogged >= LOG_PROGRESS_EVERY_MS) {
            lastLogged = Date.now();
            context.logger.info({ stage: event.stage, step: event.step, total: event.total, loss: event.loss, tokensPerSecond: event.tokens_per_s, etaSeconds: event.eta_s }, 'training progress');
          }
        },
      },
    );
    const names = done.stages.map((stage) => stage.stage);
    const none = new Map<string, MetricSummary[]>();
    const measured = parts.eval ? await this.agentMetricsOf(runDir, names, parts.eval, 'eval', context) : none;
    const heldOut = parts.eval && parts.evalHeldOut ? await this.agentMetricsOf(runDir, names, parts.evalHeldOut, 'heldOut', context) : none;
    for (const [stage, summaries] of measured) context.progress.addAgentMetrics(stage, summaries);
    for (const [stage, summaries] of heldOut) context.progress.addAgentMetrics(stage, summaries, 'heldOut');
    const stages = done.stages.map((stage) => {
      let result: StageResult = { stage: stage.stage, metrics: stage.metrics, skipped: stage.skipped === true };
      const summaries = measured.get(stage.stage);
      if (summaries) result = withAgentMetrics(result, summaries);
      const heldOutSummaries = heldOut.get(stage.stage);
      return heldOutSummaries ? withAgentMetrics(result, heldOutSummaries, 'heldOut') : result;
    });
    return publishCheckpoint(artifacts, {
      checkpointId: checkpointIdOf(job.id),
      modelId: job.modelId,
      jobId: job.id,
      datasetEventId: job.datasetEventId,
      dataset,
      datasetManifest,
      settings,
      studentDir: resolve(runDir, done.student),
      reportPath: resolve(runDir, done.report),
      stages,
      wallSeconds: done.wall_s,
    });
  };

  /**
   * Each stage's agent-level metrics over the outputs it decoded of `set`'s rows (`evalPath`: the eval
   * part, or the eval-heldout part scored on eval_outputs.heldout.jsonl); stages that decoded none are
   * absent. A log line each.
   */
  private async agentMetricsOf(runDir: string, stages: readonly string[], evalPath: string, set: AgentMetricsSet, context: TrainingContext): Promise<Map<string, MetricSummary[]>> {
    const started = Date.now();
    const outputsFile = set === 'heldOut' ? HELD_OUT_OUTPUTS_FILE : EVAL_OUTPUTS_FILE;
    const measured = await scoreStageOutputs(runDir, stages, readEvalRows(await readFile(evalPath, 'utf8')), outputsFile);
    for (const [stage, summaries] of measured) {
      context.logger.info({ stage, metrics: agentFigures(summaries, set), seconds: (Date.now() - started) / 1_000 }, `training: agent-level metrics of the stage’s ${AGENT_METRICS_SETS[set].rows} outputs`);
    }
    return measured;
  }

  /** The local path of each part the stages read (the held-out-phrasing eval when it has rows), each verified against its sha256 first. */
  private async partsOf(dataset: DatasetReady): Promise<{ cpt: string; sft: string; dpo: string; eval?: string; evalHeldOut?: string }> {
    const missing = REQUIRED_PARTS.filter((part) => !dataset.parts[part]);
    if (missing.length) throw new DatasetPartMissingError(dataset.datasetId, dataset.version, missing, Object.keys(dataset.parts), 'train');
    const pathOf = async (ref: ArtifactRef) => {
      await this.options.artifacts.verify(ref);
      return this.options.artifacts.pathOf(ref);
    };
    const { parts, evalHeldOut } = dataset;
    return {
      cpt: await pathOf(parts.cpt!),
      sft: await pathOf(parts.sft!),
      dpo: await pathOf(parts.dpo!),
      ...(parts.eval ? { eval: await pathOf(parts.eval) } : {}),
      ...(evalHeldOut && evalHeldOut.rows > 0 ? { evalHeldOut: await pathOf(evalHeldOut.part) } : {}),
    };
  }
}
