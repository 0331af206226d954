import type { ServiceDefinition } from '@distillery/service-kit';
import { loadAgentsConfig } from './config/agents.config.js';
import { AgentsModule } from './agents.module.js';
import { AGENTS_ENTITIES, AGENTS_MIGRATIONS } from './agents.schema.js';
import { dealershipDomain } from './dealership-domain.js';

/** The five-agent pipeline (Understander, Planner, Evaluator, Executor, Explainer, with replans) behind a gRPC API for product apps. */
export const agentsService: ServiceDefinition = {
  name: 'agents',
  description: 'The five-agent pipeline (Understander, Planner, Evaluator, Executor, Explainer, with replans) behind a gRPC API for product apps.',
  defaultPort: 7101,
  schema: 'agents',
  consumes: [],
  produces: ['traces.raw'],
  loadConfig: loadAgentsConfig,
  stages: [{ name: 'pipeline', implemented: true }, { name: 'grpc-api', implemented: true }, { name: 'traces', implemented: true }],
  migrations: AGENTS_MIGRATIONS,
  entities: AGENTS_ENTITIES,
  module: AgentsModule.forDomain(dealershipDomain),
};
