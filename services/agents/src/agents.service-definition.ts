import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';
import { AgentsModule } from './agents.module.js';
import { dealershipDomain } from './domain/dealership-domain.js';
import { DEALERSHIP_ENTITIES } from './domain/dealership.entities.js';
import { AgentsDealership1764000003000 } from './domain/dealership.migration.js';
import { SessionEntity } from './sessions/session.entity.js';
import { AgentsSessions1764000002000 } from './sessions/sessions.migration.js';
import { TurnEntity } from './sessions/turn.entity.js';

/** The five-agent pipeline (Understander, Planner, Evaluator, Executor, Explainer, with replans) behind a gRPC API for product apps. */
export const agentsService: ServiceDefinition = {
  name: 'agents',
  description: 'The five-agent pipeline (Understander, Planner, Evaluator, Executor, Explainer, with replans) behind a gRPC API for product apps.',
  defaultPort: 7101,
  schema: 'agents',
  consumes: [],
  produces: ['traces.raw'],
  stages: [{ name: 'pipeline', implemented: true }, { name: 'grpc-api', implemented: true }, { name: 'traces', implemented: true }],
  migrations: [serviceSchemaMigration('agents', 1764000000001), AgentsSessions1764000002000, AgentsDealership1764000003000],
  entities: [SessionEntity, TurnEntity, ...DEALERSHIP_ENTITIES],
  module: AgentsModule.forDomain(dealershipDomain),
};
