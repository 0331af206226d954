import { agentsService } from '@distillery/agents';
import { curatorService } from '@distillery/curator';
import { drafterService } from '@distillery/drafter';
import { judgeService } from '@distillery/judge';
import { quantizerService } from '@distillery/quantizer';
import type { ServiceDefinition } from '@distillery/service-kit';
import { servingService } from '@distillery/serving';
import { simulatorService } from '@distillery/simulator';
import { trainerService } from '@distillery/trainer';

/** Every service in pipeline order: what the embedded launcher composes into one process. */
export const ALL_SERVICES: readonly ServiceDefinition[] = [
  agentsService,
  simulatorService,
  judgeService,
  curatorService,
  trainerService,
  drafterService,
  quantizerService,
  servingService,
];
