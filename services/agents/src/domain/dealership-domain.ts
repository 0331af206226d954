import type { AgentsDomain } from '../agents-runtime.js';
import { uniformMistakes } from '../reference/mistakes.js';
import { referenceTeacher } from '../reference/reference-teacher.js';
import { DealershipBusinessChanges } from './dealership-business-changes.js';
import { seedDealership } from './dealership-seed.js';
import { DealershipToolbox } from './dealership-toolbox.js';

/** The automotive-retail dealership: seeded on first boot, its tools, and the reference teacher that knows them. */
export const dealershipDomain: AgentsDomain = {
  async createToolbox(platform, config) {
    const { seed, created } = await seedDealership(platform.database.dataSource, { seed: config.DISTILLERY_AGENTS_SEED });
    platform.logger.info({ seed, created }, created ? 'dealership seeded' : 'dealership already seeded');
    return DealershipToolbox.open(platform.database.dataSource);
  },
  createReferenceModel(_toolbox, config) {
    return referenceTeacher({ seed: config.DISTILLERY_AGENTS_SEED, mistakes: uniformMistakes(config.DISTILLERY_AGENTS_MISTAKE_RATE) });
  },
  createBusinessChanges(platform) {
    return new DealershipBusinessChanges(platform.database.dataSource);
  },
};
