import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';

/** Distills the student: block expansion, context-aware CPT, LoRA SFT and LoRA DPO, each merged. */
export const trainerService: ServiceDefinition = {
  name: 'trainer',
  description: 'Distills the student: block expansion, context-aware CPT, LoRA SFT and LoRA DPO, each merged.',
  defaultPort: 7105,
  schema: 'trainer',
  consumes: ['datasets.ready'],
  produces: ['checkpoints.bf16'],
  // A shell until its stages land: it boots, reports health and metrics, and consumes nothing.
  stages: [{ name: 'block-expansion', implemented: false, issue: 5 }, { name: 'ca-cpt', implemented: false, issue: 5 }, { name: 'sft-lora', implemented: false, issue: 5 }, { name: 'dpo-lora', implemented: false, issue: 5 }],
  migrations: [serviceSchemaMigration('trainer', 1764000000005)],
};
