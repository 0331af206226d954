import type { ServiceDefinition } from '@distillery/service-kit';
import { loadSimulatorConfig } from './config/simulator.config.js';
import { SIMULATOR_MIGRATIONS } from './simulator.schema.js';
import { SimulatorModule } from './simulator.module.js';

/** Campaigns of simulated customers that drive the agents service over gRPC until each conversation ends. */
export const simulatorService: ServiceDefinition = {
  name: 'simulator',
  description: 'Campaigns of simulated customers that drive the agents service over gRPC until each conversation ends.',
  defaultPort: 7102,
  schema: 'simulator',
  consumes: [],
  produces: ['campaigns.completed'],
  loadConfig: loadSimulatorConfig,
  stages: [{ name: 'campaigns', implemented: true }],
  migrations: SIMULATOR_MIGRATIONS,
  module: SimulatorModule,
};
