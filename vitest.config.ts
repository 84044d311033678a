import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the tracker and the dashboard when missing or stale, and starts Kafka and Cassandra
    // when they are not running (see test/support/services-setup.ts).
    globalSetup: ['test/support/build-frontend.ts', 'test/support/services-setup.ts'],
    // Integration suites start real servers and child processes: keep them in separate
    // forks, two at a time (the CI machine has two cores).
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'lcov'],
    },
  },
});
