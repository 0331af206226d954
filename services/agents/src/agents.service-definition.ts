import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';

/** The five-agent pipeline (Understander, Planner, Evaluator, Executor, Explainer, with replans) behind a gRPC API for product apps. */
export const agentsService: ServiceDefinition = {
  name: 'agents',
  description: 'The five-agent pipeline (Understander, Planner, Evaluator, Executor, Explainer, with replans) behind a gRPC API for product apps.',
  defaultPort: 7101,
  schema: 'agents',
  consumes: [],
  produces: ['traces.raw'],
  // A shell until its stages land: it boots, reports health and metrics, and consumes nothing.
  stages: [{ name: 'pipeline', implemented: false, issue: 3 }, { name: 'grpc-api', implemented: false, issue: 3 }, { name: 'traces', implemented: false, issue: 3 }],
  migrations: [serviceSchemaMigration('agents', 1764000000001)],
};
