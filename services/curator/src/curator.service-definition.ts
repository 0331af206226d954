import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';

/** Builds immutable, versioned datasets (CPT, SFT, DPO, EAGLE prompts, calibration, held-out eval) from refined traces. */
export const curatorService: ServiceDefinition = {
  name: 'curator',
  description: 'Builds immutable, versioned datasets (CPT, SFT, DPO, EAGLE prompts, calibration, held-out eval) from refined traces.',
  defaultPort: 7104,
  schema: 'curator',
  consumes: ['traces.refined'],
  produces: ['datasets.ready'],
  // A shell until its stages land: it boots, reports health and metrics, and consumes nothing.
  stages: [{ name: 'datasets', implemented: false, issue: 4 }],
  migrations: [serviceSchemaMigration('curator', 1764000000004)],
};
