import { serviceSchemaMigration } from '@distillery/storage';
import { SimulatorCampaigns1764200000002 } from './campaigns/simulator.migration.js';

/** The simulator schema's migrations, oldest first: the service runs them at boot, the specs on PGlite. */
export const SIMULATOR_MIGRATIONS = [serviceSchemaMigration('simulator', 1764000000002), SimulatorCampaigns1764200000002];
