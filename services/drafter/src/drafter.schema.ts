import { serviceSchemaMigration } from '@distillery/storage';
import { DrafterJobEntity } from './jobs/drafter-job.entity.js';
import { DrafterJobs1764200000006 } from './jobs/drafter-jobs.migration.js';

/** The drafter schema's migrations, oldest first: the service runs them at boot, the specs on PGlite. */
export const DRAFTER_MIGRATIONS = [serviceSchemaMigration('drafter', 1764000000006), DrafterJobs1764200000006];

export const DRAFTER_ENTITIES = [DrafterJobEntity];
