import type { ServiceDefinition } from '@distillery/service-kit';
import { loadCuratorConfig } from './config/curator.config.js';
import { serviceSchemaMigration } from '@distillery/storage';
import { CuratorModule } from './curator.module.js';
import { CuratorTables1764100000004, CuratorTurnTraceContext1764100000005 } from './store/curator.migration.js';

/** Builds immutable, versioned datasets (CPT, SFT, DPO, EAGLE prompts, calibration, held-out eval) from refined traces. */
export const curatorService: ServiceDefinition = {
  name: 'curator',
  description: 'Builds immutable, versioned datasets (CPT, SFT, DPO, EAGLE prompts, calibration, held-out eval) from refined traces.',
  defaultPort: 7104,
  schema: 'curator',
  consumes: ['traces.refined', 'campaigns.completed'],
  produces: ['datasets.ready'],
  loadConfig: loadCuratorConfig,
  stages: [{ name: 'datasets', implemented: true }],
  migrations: [serviceSchemaMigration('curator', 1764000000004), CuratorTables1764100000004, CuratorTurnTraceContext1764100000005],
  module: CuratorModule,
};
