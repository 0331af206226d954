import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ArtifactStore, linkArtifacts } from '@distillery/artifacts';
import { type DrafterEvent, type DrafterRunManifest, runDrafterJob } from '@distillery/compute';
import { JobRunDirs } from '@distillery/jobs';
import type { DrafterDataset, DrafterDatasetCatalog } from '../datasets/dataset-catalog.js';
import { CheckpointWeightsMismatchError } from '../errors/checkpoint-weights-mismatch.error.js';
import type { DrafterJobEntity } from '../jobs/drafter-job.entity.js';
import type { DraftedOutcome } from '../jobs/drafter-job-store.js';
import type { DraftingContext, DraftingRunner } from '../queue/drafting-runner.js';
import { publishDrafter } from './publish-drafter.js';

/** A progress line reaches the logs at most this often per job (every line reaches the job's row, once a second). */
const LOG_PROGRESS_EVERY_MS = 10_000;

export interface DrafterTrainerOptions {
  readonly artifacts: ArtifactStore;
  readonly datasets: DrafterDatasetCatalog;
  /** The platform's data dir: a job's run dir is `<dataDir>/drafter/<jobId>`, where a resumed job finds its state. */
  readonly dataDir: string;
  /** The compute plane's Python (default: DISTILLERY_COMPUTE_PYTHON, else compute/.venv). */
  readonly python?: string;
  /** Between SIGTERM and SIGKILL when a job is stopped. */
  readonly killGraceMs?: number;
}

/** The drafter id a job's drafter gets (its own id's suffix, so the two are easy to match). */
export function drafterIdOf(jobId: string): string {
  return `eagle_${jobId.replace(/^job_/, '')}`;
}

/**
 * The real DraftingRunner. In the job's run dir `<dataDir>/drafter/<jobId>` it lays out the student
 * (`student/`: every file of the checkpoint manifest, sha256 verified, the weights the ones
 * announced) and the dataset version's eagle.jsonl and eval.jsonl (`dataset/`, verified), runs
 * `python -m distillery_compute drafter` on them (`eagle/`: its data, drafters and state — the same
 * dir resumes), folds its progress into the job and the logs, and publishes the best drafter.
 */
export class DrafterTrainer {
  /** Its jobs' run dirs, `<dataDir>/drafter/<jobId>`: removed once a job has ended, a failed one's kept. */
  readonly runDirs: JobRunDirs;

  constructor(private readonly options: DrafterTrainerOptions) {
    this.runDirs = new JobRunDirs(options.dataDir, 'drafter');
  }

  readonly train: DraftingRunner = async (job: DrafterJobEntity, context: DraftingContext): Promise<DraftedOutcome> => {
    const { artifacts } = this.options;
    const runDir = this.runDirs.of(job.id);
    const dataset = await this.datasetOf(job);
    const { checkpoint } = job;
    const checkpointManifest = await artifacts.getManifest(checkpoint.manifest);
    const datasetManifest = await artifacts.getManifest(dataset.manifest);
    const listed = checkpointManifest.files['model.safetensors']?.sha256;
    if (listed !== checkpoint.weights.sha256) throw new CheckpointWeightsMismatchError(checkpoint.checkpointId, checkpoint.weights.sha256, listed);
    const student = await linkArtifacts(artifacts, checkpointManifest.files, join(runDir, 'student'));
    const inputs = await linkArtifacts(artifacts, { 'eagle.jsonl': dataset.parts.eagle!, 'eval.jsonl': dataset.parts.eval! }, join(runDir, 'dataset'));
    const { settings } = job;
    context.logger.info({ runDir, datasetId: dataset.datasetId, datasetVersion: dataset.version, variants: settings.variants, steps: settings.steps }, 'drafting: student and dataset parts verified, compute job starting');
    let lastLogged = 0;
    const done = await runDrafterJob(
      {
        checkpoint: student,
        eagleRows: join(inputs, 'eagle.jsonl'),
        evalRows: join(inputs, 'eval.jsonl'),
        runDir: join(runDir, 'eagle'),
        variants: settings.variants,
        steps: settings.steps,
        draftVocab: settings.draftVocab,
        tttSteps: settings.tttSteps,
        maxNewTokens: settings.maxNewTokens,
        maxTokens: settings.maxTokens,
        ...(settings.maxBytes !== undefined ? { maxBytes: settings.maxBytes } : {}),
        ...(settings.maxPrompts !== undefined ? { maxPrompts: settings.maxPrompts } : {}),
        evalLimit: settings.evalLimit,
        evalMaxTokens: settings.evalMaxTokens,
      },
      {
        signal: context.signal,
        logger: context.logger,
        ...(this.options.python ? { python: this.options.python } : {}),
        ...(this.options.killGraceMs !== undefined ? { killGraceMs: this.options.killGraceMs } : {}),
        onEvent: (event: DrafterEvent) => {
          context.progress.apply(event);
          const stage = context.progress.snapshot.stage;
          if (event.event === 'stage_start') context.logger.info({ stage: event.stage }, 'drafting stage started');
          else if (event.event === 'data') context.logger.info({ stage, examples: event.examples, skipped: event.skipped, answerTokens: event.answer_tokens, bytes: event.bytes }, 'drafter data built');
          else if (event.event === 'drafter') context.logger.info({ stage, loss: event.loss, accuracyByStep: event.accuracy_by_step }, 'drafter trained');
          else if (event.event === 'evaluated') {
            context.logger.info({ variant: event.variant, method: event.method, meanAcceptedLength: event.mean_accepted_length, speedup: event.speedup, sameOutput: event.same_output }, 'drafter measured');
          } else if (event.event === 'progress' && Date.now() - lastLogged >= LOG_PROGRESS_EVERY_MS) {
            lastLogged = Date.now();
            context.logger.info({ stage, step: event.step, total: event.total, loss: event.loss, etaSeconds: event.eta_s }, 'drafting progress');
          }
        },
      },
    );
    const runManifestPath = resolve(join(runDir, 'eagle'), done.manifest);
    const runManifest = JSON.parse(await readFile(runManifestPath, 'utf8')) as DrafterRunManifest;
    const published = await publishDrafter(artifacts, {
      drafterId: drafterIdOf(job.id),
      jobId: job.id,
      checkpoint,
      checkpointEventId: job.checkpointEventId,
      checkpointManifest,
      dataset,
      datasetManifest,
      settings,
      runManifestPath,
      runManifest,
      wallSeconds: done.wall_s,
    });
    return { ...published, best: runManifest.best };
  };

  /** The dataset version the job's checkpoint was trained on, with the parts the job reads (DatasetPartMissingError without them). */
  private async datasetOf(job: DrafterJobEntity): Promise<DrafterDataset> {
    return this.options.datasets.forJob(job.datasetEventId, { checkpointId: job.checkpointId, eventIds: job.datasetEventIds }, 'draft');
  }
}
