import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker per core but one (here: 1 of 2). Most test files wait on child
    // processes, databases and Chromium rather than compute: two at a time takes the suite from about
    // 16 to 9 minutes on this machine.
    maxWorkers: 2,
  },
});
