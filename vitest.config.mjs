// Tests run on the compiled output (tsc builds decorator metadata; vitest only runs plain JS).
import { defineConfig } from 'vitest/config';

const built = (pattern) => [`packages/*/dist/${pattern}`, `services/*/dist/${pattern}`];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: built('src/**/*.spec.js'),
          testTimeout: 30_000,
          // Opening PGlite, migrating and seeding the dealership takes seconds, more on a busy machine.
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: built('integration/**/*.int-spec.js'),
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
