import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';

/** Refines every agent call y into y* with a verdict and reasons (rules and an LLM judge). */
export const judgeService: ServiceDefinition = {
  name: 'judge',
  description: 'Refines every agent call y into y* with a verdict and reasons (rules and an LLM judge).',
  defaultPort: 7103,
  schema: 'judge',
  consumes: ['traces.raw'],
  produces: ['traces.refined'],
  // A shell until its stages land: it boots, reports health and metrics, and consumes nothing.
  stages: [{ name: 'refine', implemented: false, issue: 4 }],
  migrations: [serviceSchemaMigration('judge', 1764000000003)],
};
