import type { ServiceDefinition } from '@distillery/service-kit';
import { loadQuantizerConfig } from './config/quantizer.config.js';
import { QUANTIZER_ENTITIES, QUANTIZER_MIGRATIONS } from './quantizer.schema.js';
import { QuantizerModule } from './quantizer.module.js';

/** FP8 E4M3 W8A8 static per-tensor quantization of student and drafter, with calibration. */
export const quantizerService: ServiceDefinition = {
  name: 'quantizer',
  description: 'FP8 E4M3 W8A8 static per-tensor quantization of student and drafter, with calibration.',
  defaultPort: 7107,
  schema: 'quantizer',
  consumes: ['datasets.ready', 'checkpoints.bf16', 'drafters.ready'],
  produces: ['checkpoints.fp8'],
  loadConfig: loadQuantizerConfig,
  stages: [
    { name: 'fp8-calibrate', implemented: true },
    { name: 'fp8-ptq', implemented: true },
    { name: 'fp8-evaluate', implemented: true },
  ],
  migrations: QUANTIZER_MIGRATIONS,
  entities: QUANTIZER_ENTITIES,
  module: QuantizerModule,
};
