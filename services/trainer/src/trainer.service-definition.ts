import type { ServiceDefinition } from '@distillery/service-kit';
import { loadTrainerConfig } from './config/trainer.config.js';
import { TRAINER_ENTITIES, TRAINER_MIGRATIONS } from './trainer.schema.js';
import { TrainerModule } from './trainer.module.js';

/** Distills the student: block expansion, context-aware CPT, LoRA SFT and LoRA DPO, each merged. */
export const trainerService: ServiceDefinition = {
  name: 'trainer',
  description: 'Distills the student: block expansion, context-aware CPT, LoRA SFT and LoRA DPO, each merged.',
  defaultPort: 7105,
  schema: 'trainer',
  consumes: ['datasets.ready'],
  produces: ['checkpoints.bf16'],
  loadConfig: loadTrainerConfig,
  stages: [
    { name: 'block-expansion', implemented: true },
    { name: 'ca-cpt', implemented: true },
    { name: 'sft-lora', implemented: true },
    { name: 'dpo-lora', implemented: true },
  ],
  migrations: TRAINER_MIGRATIONS,
  entities: TRAINER_ENTITIES,
  module: TrainerModule,
};
