import { defineConfig } from 'vitest/config';

// The global setup imports the AWS SDK in this process: silence its Node 22 notice here too.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

// Three layers, one run: pure rules (no I/O), the API and stores against DynamoDB Local,
// and the CDK app's synthesized template.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    env: {
      LOG_LEVEL: 'SILENT',
      POWERTOOLS_DEV: 'false',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TABLE_NAME: 'unit-tests-have-no-table',
    },
    coverage: {
      provider: 'v8',
      include: ['shared/rules/**/*.ts'],
      reporter: ['text-summary'],
      thresholds: { lines: 100, branches: 100, functions: 100, statements: 100 },
    },
    projects: [
      {
        extends: true,
        // Property tests run thousands of cases; on 2 busy cores they need more than the 5 s default.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/setup-table.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
      },
    ],
  },
});
