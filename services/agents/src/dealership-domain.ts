import { DealershipBusinessChanges, DealershipToolbox, seedDealership } from '@distillery/dealership';
import { referenceTeacher, uniformMistakes } from '@distillery/reference-teacher';
import type { AgentsDomain } from './agents-runtime.js';

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
