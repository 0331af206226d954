import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ArtifactStore, linkArtifacts } from '@distillery/artifacts';
import { type QuantizeEvent, type QuantizeRunManifest, runQuantizeJob } from '@distillery/compute';
import { readEvalRows } from '@distillery/evaluation';
import { JobRunDirs } from '@distillery/jobs';
import type { CheckpointCatalog, KnownCheckpoint } from '../catalog/checkpoint-catalog.js';
import type { QuantizerDataset, QuantizerDatasetCatalog } from '../catalog/dataset-catalog.js';
import { AnnouncedWeightsMismatchError } from '../errors/announced-weights-mismatch.error.js';
import { CheckpointNotRecordedError } from '../errors/checkpoint-not-recorded.error.js';
import { DrafterNotForCheckpointError } from '../errors/drafter-not-for-checkpoint.error.js';
import type { QuantizerJobEntity } from '../jobs/quantizer-job.entity.js';
import type { QuantizedOutcome } from '../jobs/quantizer-job-store.js';
import type { QuantizingContext, QuantizingRunner } from '../queue/quantizing-runner.js';
import { CalibrationCache, type CalibrationInputs } from './calibration-cache.js';
import { scorePrecisionOutputs } from './precision-agent-metrics.js';
import { type DrafterInput, publishFp8 } from './publish-fp8.js';

/** A progress line reaches the logs at most this often per job (every line reaches the job's row, once a second). */
const LOG_PROGRESS_EVERY_MS = 10_000;

export interface QuantizerOptions {
  readonly artifacts: ArtifactStore;
  readonly datasets: QuantizerDatasetCatalog;
  readonly checkpoints: CheckpointCatalog;
  /** The platform's data dir: a job's run dir is `<dataDir>/quantizer/<jobId>`, kept calibrations `<dataDir>/quantizer/calibrations`. */
  readonly dataDir: string;
  /** The compute plane's Python (default: DISTILLERY_COMPUTE_PYTHON, else compute/.venv). */
  readonly python?: string;
  /** Between SIGTERM and SIGKILL when a job is stopped. */
  readonly killGraceMs?: number;
}

/** The id a job's fp8 manifest gets (its own id's suffix, so the two are easy to match). */
export function fp8IdOf(jobId: string): string {
  return `fp8_${jobId.replace(/^job_/, '')}`;
}

/** What the compute plane's manifest.json of a drafter dir says of the student it was trained for (eagle/drafter.py). */
interface DrafterFiles {
  readonly target?: { readonly weights_sha256?: unknown };
}

/**
 * The real QuantizingRunner. In the job's run dir `<dataDir>/quantizer/<jobId>` it lays out the
 * BF16 student (`bf16/student`: every file of the checkpoint manifest, sha256 verified, the weights
 * the ones announced), the drafter of a drafter's job (`bf16/drafter`, likewise) and the dataset
 * version's calibration.jsonl and eval.jsonl (`dataset/`, verified), seeds `fp8/` with the
 * calibration an earlier job made on the same student and data, runs `python -m distillery_compute
 * quantize` there (`fp8/`: calibration, sweep, student, drafter, manifest.json — the same dir
 * resumes), folds its progress into the job and the logs, scores the held-out rows the job decoded
 * in BF16 and in FP8 with the agent-level metrics (@distillery/evaluation), and publishes the FP8
 * models with them.
 */
export class Quantizer {
  private readonly calibrations: CalibrationCache;
  /** Its jobs' run dirs, `<dataDir>/quantizer/<jobId>`: removed once a job has ended, a failed one's kept. */
  readonly runDirs: JobRunDirs;

  constructor(private readonly options: QuantizerOptions) {
    this.calibrations = new CalibrationCache(resolve(options.dataDir, 'quantizer', 'calibrations'));
    this.runDirs = new JobRunDirs(options.dataDir, 'quantizer');
  }

  readonly quantize: QuantizingRunner = async (job: QuantizerJobEntity, context: QuantizingContext): Promise<QuantizedOutcome> => {
    const { artifacts } = this.options;
    const runDir = this.runDirs.of(job.id);
    const fp8Dir = join(runDir, 'fp8');
    const { eventId: checkpointEventId, checkpoint } = await this.checkpointOf(job);
    const dataset = await this.datasetOf(job);
    const checkpointManifest = await artifacts.getManifest(checkpoint.manifest);
    const datasetManifest = await artifacts.getManifest(dataset.manifest);
    const listed = checkpointManifest.files['model.safetensors']?.sha256;
    if (listed !== checkpoint.weights.sha256) throw new AnnouncedWeightsMismatchError(`checkpoint ${checkpoint.checkpointId}`, checkpoint.weights.sha256, listed);
    const drafter = await this.drafterOf(job, checkpoint.weights.sha256);
    const student = await linkArtifacts(artifacts, checkpointManifest.files, join(runDir, 'bf16', 'student'));
    const drafterDir = drafter ? await linkArtifacts(artifacts, drafter.manifest.files, join(runDir, 'bf16', 'drafter')) : undefined;
    const inputs = await linkArtifacts(artifacts, { 'calibration.jsonl': dataset.parts.calibration!, 'eval.jsonl': dataset.parts.eval! }, join(runDir, 'dataset'));
    const { settings } = job;
    const calibration: CalibrationInputs = {
      weightsSha256: checkpoint.weights.sha256,
      calibrationSha256: dataset.parts.calibration!.sha256,
      evalSha256: dataset.parts.eval!.sha256,
      samples: settings.samples,
      testLimit: settings.testLimit,
      testMaxTokens: settings.testMaxTokens,
      quantizeLmHead: settings.quantizeLmHead,
    };
    const source = await this.calibrations.seed(calibration, fp8Dir);
    if (source !== 'own' || context.progress.snapshot.results.calibration === null) context.progress.calibration(source === 'reused' ? 'reused' : 'computed');
    context.logger.info(
      { runDir, datasetId: dataset.datasetId, datasetVersion: dataset.version, set: settings.set, length: settings.length, samples: settings.samples, calibration: source },
      'quantizing: student, drafter and dataset parts verified, compute job starting',
    );
    let lastLogged = 0;
    const done = await runQuantizeJob(
      {
        checkpoint: student,
        calibration: join(inputs, 'calibration.jsonl'),
        evalRows: join(inputs, 'eval.jsonl'),
        runDir: fp8Dir,
        ...(drafterDir ? { drafter: drafterDir } : {}),
        set: settings.set,
        length: settings.length,
        samples: settings.samples,
        testLimit: settings.testLimit,
        testMaxTokens: settings.testMaxTokens,
        evalLimit: settings.evalLimit,
        evalMaxTokens: settings.evalMaxTokens,
        quantizeLmHead: settings.quantizeLmHead,
      },
      {
        signal: context.signal,
        logger: context.logger,
        ...(this.options.python ? { python: this.options.python } : {}),
        ...(this.options.killGraceMs !== undefined ? { killGraceMs: this.options.killGraceMs } : {}),
        onEvent: (event: QuantizeEvent) => {
          context.progress.apply(event);
          const stage = context.progress.snapshot.stage;
          if (event.event === 'stage_start') context.logger.info({ stage: event.stage }, 'quantizing stage started');
          else if (event.event === 'clip_rates') context.logger.info({ clipRates: context.progress.snapshot.results.clipRates[event.set] ?? {}, set: event.set }, 'clip rates measured');
          else if (event.event === 'evaluated') context.logger.info({ figures: context.progress.snapshot.results.evaluated }, 'FP8 measured against BF16');
          else if (event.event === 'acceptance') context.logger.info({ drafter: event.drafter, meanAcceptedLength: event.mean_accepted_length, sameOutput: event.same_output, prompts: event.prompts }, 'drafter acceptance measured');
          else if (event.event === 'progress' && Date.now() - lastLogged >= LOG_PROGRESS_EVERY_MS) {
            lastLogged = Date.now();
            context.logger.info({ stage, step: event.step, total: event.total, etaSeconds: event.eta_s }, 'quantizing progress');
          }
        },
      },
    );
    await this.calibrations.keep(calibration, fp8Dir);
    const runManifestPath = resolve(fp8Dir, done.manifest);
    const runManifest = JSON.parse(await readFile(runManifestPath, 'utf8')) as QuantizeRunManifest;
    const agentMetrics = await scorePrecisionOutputs(fp8Dir, readEvalRows(await readFile(join(inputs, 'eval.jsonl'), 'utf8')));
    context.logger.info({ agentMetrics: Object.fromEntries(Object.entries(agentMetrics).map(([precision, summaries]) => [precision, summaries.map((line) => `${line.agent} ${line.metric} ${line.mean.toFixed(3)}`)])) }, 'agent-level metrics of BF16 and FP8 on the held-out rows');
    const fp8Id = fp8IdOf(job.id);
    const published = await publishFp8(artifacts, {
      fp8Id,
      jobId: job.id,
      checkpoint,
      checkpointEventId,
      checkpointManifest,
      ...(drafter ? { drafter } : {}),
      dataset,
      datasetManifest,
      settings,
      runManifestPath,
      runManifest,
      agentMetrics,
      wallSeconds: done.wall_s,
    });
    return { fp8Id, ...published };
  };

  /** The student's checkpoint, as its checkpoints.bf16 event (found when the job was claimed) announced it. */
  private async checkpointOf(job: QuantizerJobEntity): Promise<KnownCheckpoint> {
    const known = job.checkpointEventId ? await this.options.checkpoints.get(job.checkpointEventId) : undefined;
    if (!known) throw new CheckpointNotRecordedError(job.modelId, job.checkpointId);
    return known;
  }

  /** The dataset version the student was trained on, with the parts the job reads (DatasetPartMissingError without them). */
  private async datasetOf(job: QuantizerJobEntity): Promise<QuantizerDataset> {
    return this.options.datasets.forJob(job.datasetEventId, { checkpointId: job.checkpointId, eventIds: job.datasetEventId ? [job.datasetEventId] : [] }, 'quantize');
  }

  /** A drafter's job's drafter: its manifest, the weights the ones announced, trained for this student's weights. */
  private async drafterOf(job: QuantizerJobEntity, studentWeights: string): Promise<DrafterInput | undefined> {
    const ready = job.drafter;
    if (!ready) return undefined;
    const manifest = await this.options.artifacts.getManifest(ready.manifest);
    const listed = manifest.files['model.safetensors']?.sha256;
    if (listed !== ready.weights.sha256) throw new AnnouncedWeightsMismatchError(`drafter ${ready.drafterId}`, ready.weights.sha256, listed);
    const own = manifest.files['manifest.json'];
    if (own) {
      const target = (JSON.parse((await this.options.artifacts.get(own)).toString('utf8')) as DrafterFiles).target?.weights_sha256;
      if (typeof target === 'string' && target !== studentWeights) throw new DrafterNotForCheckpointError(ready.drafterId, job.checkpointId, target, studentWeights);
    }
    return { ready, eventId: job.sourceEventId, manifest };
  }
}
