import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';
import { loadServingConfig } from './config/serving.config.js';
import { openAiErrorBody } from './errors/serving.errors.js';
import { ServingDrafters1764200000008 } from './models/serving-drafters.migration.js';
import { ServingModels1764100000008 } from './models/serving-models.migration.js';
import { ServingModule } from './serving.module.js';

/** Serves the student: engine processes per model version, hot-swapped on checkpoints.bf16; OpenAI-compatible HTTP and gRPC. */
export const servingService: ServiceDefinition = {
  name: 'serving',
  description: 'Serves the student: engine processes per model version, hot-swapped on checkpoints.bf16; OpenAI-compatible HTTP and gRPC.',
  defaultPort: 7108,
  schema: 'serving',
  consumes: ['checkpoints.bf16', 'drafters.ready'],
  produces: [],
  loadConfig: loadServingConfig,
  stages: [{ name: 'engine', implemented: true }, { name: 'speculative-decoding', implemented: true }, { name: 'fp8', implemented: false, issue: 16 }],
  migrations: [serviceSchemaMigration('serving', 1764000000008), ServingModels1764100000008, ServingDrafters1764200000008],
  httpErrorShape: { pathPrefix: '/v1/', shape: openAiErrorBody },
  module: ServingModule,
};
