import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{generators,platform,apps,bootstrap,flux-system}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.cache/**'],
    globalSetup: ['generators/testing/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
