import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';

/** Trains an EAGLE drafter for each student checkpoint. */
export const drafterService: ServiceDefinition = {
  name: 'drafter',
  description: 'Trains an EAGLE drafter for each student checkpoint.',
  defaultPort: 7106,
  schema: 'drafter',
  consumes: ['checkpoints.bf16'],
  produces: ['drafters.ready'],
  // A shell until its stages land: it boots, reports health and metrics, and consumes nothing.
  stages: [{ name: 'eagle-data', implemented: false }, { name: 'eagle-train', implemented: false }],
  migrations: [serviceSchemaMigration('drafter', 1764000000006)],
};
