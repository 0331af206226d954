import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';

/** Campaigns of simulated customers that drive the agents service over gRPC until each conversation ends. */
export const simulatorService: ServiceDefinition = {
  name: 'simulator',
  description: 'Campaigns of simulated customers that drive the agents service over gRPC until each conversation ends.',
  defaultPort: 7102,
  schema: 'simulator',
  consumes: [],
  produces: [],
  // A shell until its stages land: it boots, reports health and metrics, and consumes nothing.
  stages: [{ name: 'campaigns', implemented: false, issue: 4 }],
  migrations: [serviceSchemaMigration('simulator', 1764000000002)],
};
