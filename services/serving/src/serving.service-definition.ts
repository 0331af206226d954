import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';
import { loadServingConfig } from './config/serving.config.js';
import { openAiErrorBody } from './errors/serving.errors.js';
import { ServingDrafters1764200000008 } from './models/serving-drafters.migration.js';
import { ServingGates1764400000008 } from './gate/serving-gates.migration.js';
import { ServingFp81764300000008 } from './models/serving-fp8.migration.js';
import { ServingModels1764100000008 } from './models/serving-models.migration.js';
import { ServingModule } from './serving.module.js';

/** Serves the student: engine processes per model version, hot-swapped on checkpoints.bf16, drafters.ready and checkpoints.fp8; OpenAI-compatible HTTP and gRPC. */
export const servingService: ServiceDefinition = {
  name: 'serving',
  description: 'Serves the student: engine processes per model version, hot-swapped on checkpoints.bf16, drafters.ready and checkpoints.fp8; OpenAI-compatible HTTP and gRPC.',
  defaultPort: 7108,
  schema: 'serving',
  consumes: ['checkpoints.bf16', 'drafters.ready', 'checkpoints.fp8'],
  produces: [],
  loadConfig: loadServingConfig,
  stages: [{ name: 'engine', implemented: true }, { name: 'speculative-decoding', implemented: true }, { name: 'fp8', implemented: true }, { name: 'deploy-gate', implemented: true }],
  migrations: [serviceSchemaMigration('serving', 1764000000008), ServingModels1764100000008, ServingDrafters1764200000008, ServingFp81764300000008, ServingGates1764400000008],
  httpErrorShape: { pathPrefix: '/v1/', shape: openAiErrorBody },
  module: ServingModule,
};
