import type { ServiceDefinition } from '@distillery/service-kit';
import { loadJudgeConfig } from './config/judge.config.js';
import { serviceSchemaMigration } from '@distillery/storage';
import { JudgeModule } from './judge.module.js';
import { JudgeRefinements1764000005000 } from './store/refinements.migration.js';

/** Refines every agent call y into y* with a verdict and reasons (rules and an LLM judge). */
export const judgeService: ServiceDefinition = {
  name: 'judge',
  description: 'Refines every agent call y into y* with a verdict and reasons (rules and an LLM judge).',
  defaultPort: 7103,
  schema: 'judge',
  consumes: ['traces.raw'],
  produces: ['traces.refined'],
  loadConfig: loadJudgeConfig,
  stages: [{ name: 'refine', implemented: true }],
  migrations: [serviceSchemaMigration('judge', 1764000000003), JudgeRefinements1764000005000],
  module: JudgeModule,
};
