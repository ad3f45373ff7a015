import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Each file runs the program under its own mocks; a fresh module graph per file.
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
