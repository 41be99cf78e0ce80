import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // In CI a snapshot that differs or is missing fails the run: nothing is written, not even a new
    // file snapshot (`-u` on a developer's machine is the only way to rewrite them).
    update: process.env.CI ? 'none' : undefined,
  },
});
