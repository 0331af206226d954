import type { TrainStage } from '@distillery/compute';
import type { TrainerConfig } from '../config/trainer.config.js';

/**
 * How a job trains, fixed when it is queued and kept with it: a job resumed after a crash or a
 * restart runs with the settings it started with (the compute plane refuses a run dir otherwise).
 */
export interface TrainingSettings {
  readonly preset: string;
  readonly stages: readonly TrainStage[];
  readonly maxSteps?: number;
  /** DISTILLERY_TRAINER_BASE; absent: bootstrapped (micro, tiny) or imported (smollm2-135m, under the data dir). */
  readonly base?: string;
  readonly device: 'auto' | 'cpu' | 'cuda';
  readonly seed: number;
  readonly evalLimit: number;
  /** Eval rows whose loss is measured per stage (absent: all); absent in jobs queued before it existed. */
  readonly evalRows?: number;
}

export function trainingSettingsOf(config: TrainerConfig): TrainingSettings {
  return {
    preset: config.DISTILLERY_TRAINER_PRESET,
    stages: config.DISTILLERY_TRAINER_STAGES,
    ...(config.DISTILLERY_TRAINER_MAX_STEPS !== undefined ? { maxSteps: config.DISTILLERY_TRAINER_MAX_STEPS } : {}),
    ...(config.DISTILLERY_TRAINER_BASE !== undefined ? { base: config.DISTILLERY_TRAINER_BASE } : {}),
    device: config.DISTILLERY_TRAINER_DEVICE,
    seed: config.DISTILLERY_TRAINER_SEED,
    evalLimit: config.DISTILLERY_TRAINER_EVAL_LIMIT,
    ...(config.DISTILLERY_TRAINER_EVAL_ROWS > 0 ? { evalRows: config.DISTILLERY_TRAINER_EVAL_ROWS } : {}),
  };
}
