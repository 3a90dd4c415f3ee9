import { defineConfig } from 'vitest/config';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/**
 * `npm run test:e2e`: tests that drive a real browser (Debian's chromium through playwright-core)
 * against the local runtime. Not part of `npm test`, so the unit, integration and infra suites
 * need no browser; CI installs chromium and runs this after them (.ci/run).
 */
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    env: { LOG_LEVEL: 'SILENT', POWERTOOLS_DEV: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    globalSetup: ['test/integration/global-setup.ts'],
    setupFiles: ['test/integration/setup-table.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
