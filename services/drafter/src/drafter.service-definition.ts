import type { ServiceDefinition } from '@distillery/service-kit';
import { loadDrafterConfig } from './config/drafter.config.js';
import { DRAFTER_ENTITIES, DRAFTER_MIGRATIONS } from './drafter.schema.js';
import { DrafterModule } from './drafter.module.js';

/** Trains an EAGLE drafter for each student checkpoint. */
export const drafterService: ServiceDefinition = {
  name: 'drafter',
  description: 'Trains an EAGLE drafter for each student checkpoint.',
  defaultPort: 7106,
  schema: 'drafter',
  consumes: ['datasets.ready', 'checkpoints.bf16'],
  produces: ['drafters.ready'],
  loadConfig: loadDrafterConfig,
  stages: [
    { name: 'eagle-data', implemented: true },
    { name: 'eagle-train', implemented: true },
    { name: 'eagle-evaluate', implemented: true },
  ],
  migrations: DRAFTER_MIGRATIONS,
  entities: DRAFTER_ENTITIES,
  module: DrafterModule,
};
