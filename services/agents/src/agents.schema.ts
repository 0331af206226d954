import { AgentsDealership1764000003000, DEALERSHIP_ENTITIES } from '@distillery/dealership';
import { serviceSchemaMigration } from '@distillery/storage';
import { SessionEntity } from './sessions/session.entity.js';
import { AgentsSessions1764000002000 } from './sessions/sessions.migration.js';
import { AgentsTurnCount1764000004000 } from './sessions/turn-count.migration.js';
import { TurnEntity } from './sessions/turn.entity.js';

/** The agents schema's migrations, oldest first: the service runs them at boot, the specs on PGlite. */
export const AGENTS_MIGRATIONS = [serviceSchemaMigration('agents', 1764000000001), AgentsSessions1764000002000, AgentsDealership1764000003000, AgentsTurnCount1764000004000];

export const AGENTS_ENTITIES = [SessionEntity, TurnEntity, ...DEALERSHIP_ENTITIES];
