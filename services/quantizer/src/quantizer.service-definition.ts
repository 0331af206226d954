import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';

/** FP8 E4M3 W8A8 static per-tensor quantization of student and drafter, with calibration. */
export const quantizerService: ServiceDefinition = {
  name: 'quantizer',
  description: 'FP8 E4M3 W8A8 static per-tensor quantization of student and drafter, with calibration.',
  defaultPort: 7107,
  schema: 'quantizer',
  consumes: ['checkpoints.bf16', 'drafters.ready'],
  produces: ['checkpoints.fp8'],
  // A shell until its stages land: it boots, reports health and metrics, and consumes nothing.
  stages: [{ name: 'fp8-ptq', implemented: false }],
  migrations: [serviceSchemaMigration('quantizer', 1764000000007)],
};
