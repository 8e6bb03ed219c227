import { defineConfig } from 'vitest/config';

/**
 * Four projects, runnable one at a time (`npm run test:unit`, `test:db`, `test:api`, `test:web`):
 * unit = pure code, no database; db = services and repositories on a fresh database; api = the
 * service over real HTTP (and `npm start` as a child process); web = the dashboard in Chromium.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.api.test.ts', 'test/**/*.db.test.ts', 'test/**/*.e2e.test.ts'],
        },
      },
      { extends: true, test: { name: 'db', include: ['test/**/*.db.test.ts'] } },
      { extends: true, test: { name: 'api', include: ['test/**/*.api.test.ts'] } },
      { extends: true, test: { name: 'web', include: ['test/**/*.e2e.test.ts'] } },
    ],
  },
});
