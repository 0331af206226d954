/**
 * @distillery/compute — the one place TypeScript talks to the Python compute plane (`compute/`):
 * finds its interpreter (DISTILLERY_COMPUTE_PYTHON, else compute/.venv), runs `python -m
 * distillery_compute <command>` as a child process, reads its JSON-lines protocol from stdout,
 * logs its stderr, and cancels it through an AbortSignal (SIGTERM, then SIGKILL).
 *
 * ```ts
 * import { ComputeJobError, computeInfo, runTrainJob } from '@distillery/compute';
 * console.log(await computeInfo()); // { available: true, info: { device: 'cpu', torch_version: '…', … } }
 * const controller = new AbortController();
 * const done = await runTrainJob(
 *   { runDir: '/tmp/run', preset: 'micro', cpt: 'cpt.jsonl', sft: 'sft.jsonl', dpo: 'dpo.jsonl', maxSteps: 5 },
 *   { signal: controller.signal, onEvent: (event) => event.event === 'progress' && console.log(event.stage, event.step, event.loss) },
 * ).catch((error) => { if (error instanceof ComputeJobError && error.badInput) console.error(error.message); throw error; });
 * console.log(done.student, done.stages.map((stage) => stage.stage));
 * // EAGLE drafters for that student (tests: writeMicroCheckpoint makes a student in a second):
 * const drafted = await runDrafterJob({ checkpoint: done.student, eagleRows: 'eagle.jsonl', evalRows: 'eval.jsonl', runDir: '/tmp/eagle', steps: 50 });
 * console.log(drafted.best, drafted.variants); // { combined: { chain: 2.1, tree: 2.6 } }
 * // The student and that drafter in FP8 (calibration.jsonl's mixed texts of 2,048 tokens; the same run dir reuses the calibration):
 * const fp8 = await runQuantizeJob({ checkpoint: done.student, calibration: 'calibration.jsonl', evalRows: 'eval.jsonl', runDir: '/tmp/fp8', drafter: '/tmp/eagle/drafters/combined/drafter' });
 * console.log(fp8.student, fp8.drafter, fp8.clip_rate, fp8.greedy_agreement);
 * ```
 */
export { computeConfigSchema, loadComputeConfig, type ComputeConfig } from './compute-config.js';
export { computePython, DEFAULT_COMPUTE_PYTHON, REPO_ROOT } from './compute-python.js';
export { isComputeEvent, type ComputeEvent, type ComputeLogger } from './compute-event.js';
export { runComputeJob, runPythonJob, type ComputeJobOptions } from './compute-job.js';
export { computeInfo, type ComputeInfo } from './compute-info.js';
export {
  runTrainJob,
  TRAIN_STAGES,
  trainArgs,
  type TrainCheckpointEvent,
  type TrainDoneEvent,
  type TrainEvent,
  type TrainJobOptions,
  type TrainProgressEvent,
  type TrainStage,
  type TrainStageDoneEvent,
  type TrainStageReport,
  type TrainStageStartEvent,
} from './train-protocol.js';
export { IMPORTABLE_BASES, importBaseArgs, runImportBase, type ImportableBase, type ImportBaseDoneEvent, type ImportBaseOptions } from './import-base-protocol.js';
export { ComputeJobError } from './errors/compute-job.error.js';
export { ComputeJobCancelledError } from './errors/compute-job-cancelled.error.js';
export { ComputePythonMissingError } from './errors/compute-python-missing.error.js';
export {
  DRAFTER_VARIANTS,
  drafterArgs,
  runDrafterJob,
  type DrafterDataEvent,
  type DrafterDoneEvent,
  type DrafterEvaluatedEvent,
  type DrafterEvent,
  type DrafterJobOptions,
  type DrafterMethodMetrics,
  type DrafterProgressEvent,
  type DrafterResumedEvent,
  type DrafterRunManifest,
  type DrafterSavedEvent,
  type DrafterStageStartEvent,
  type DrafterTrainStartEvent,
  type DrafterVariant,
} from './drafter-protocol.js';
export {
  FP8_FORMAT,
  QUANTIZE_SETS,
  quantizeArgs,
  runQuantizeJob,
  type QuantizeAcceptanceEvent,
  type QuantizeClipRatesEvent,
  type QuantizeDoneEvent,
  type QuantizeEvaluatedEvent,
  type QuantizeEvent,
  type QuantizeJobOptions,
  type QuantizeProgressEvent,
  type QuantizeRunManifest,
  type QuantizeRunModel,
  type QuantizeSet,
  type QuantizeStageStartEvent,
} from './quantize-protocol.js';
export { writeMicroCheckpoint, type MicroCheckpointDoneEvent, type MicroCheckpointOptions } from './micro-checkpoint.js';
export { serveArgs, startEngineServer, type EngineServerProcess, type ServeExit, type ServeOptions, type ServeReadyEvent, type StartEngineServerOptions } from './serve-protocol.js';
