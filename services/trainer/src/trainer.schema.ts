import { serviceSchemaMigration } from '@distillery/storage';
import { TrainerJobs1764100000005 } from './jobs/trainer-jobs.migration.js';
import { TrainingJobEntity } from './jobs/training-job.entity.js';

/** The trainer schema's migrations, oldest first: the service runs them at boot, the specs on PGlite. */
export const TRAINER_MIGRATIONS = [serviceSchemaMigration('trainer', 1764000000005), TrainerJobs1764100000005];

export const TRAINER_ENTITIES = [TrainingJobEntity];
