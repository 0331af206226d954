import { serviceSchemaMigration } from '@distillery/storage';
import { QuantizerJobEntity } from './jobs/quantizer-job.entity.js';
import { QuantizerJobs1764200000007 } from './jobs/quantizer-jobs.migration.js';

/** The quantizer schema's migrations, oldest first: the service runs them at boot, the specs on PGlite. */
export const QUANTIZER_MIGRATIONS = [serviceSchemaMigration('quantizer', 1764000000007), QuantizerJobs1764200000007];

export const QUANTIZER_ENTITIES = [QuantizerJobEntity];
