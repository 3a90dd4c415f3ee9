import { App } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { jobs as contractJobs, type JobSpec } from '#functions/jobs.ts';
import { routes as contractRoutes } from '#functions/routes.ts';
import type { RouteSpec } from '#shared/http/route.ts';
import { readConfig } from './config.ts';
import { ConsoleStack } from './console-stack.ts';
import { addNagChecks } from './nag.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface BuildOptions {
  /** Defaults to functions/routes.ts. */
  routes?: readonly RouteSpec[];
  /** Defaults to functions/jobs.ts. */
  jobs?: readonly JobSpec[];
  /** Where a handler's module is; defaults to functions/<handler>/handler.ts. */
  entryFor?: (handler: string) => string;
  /** The built console to deploy; defaults to web/dist (`npm run build:web`). */
  webDist?: string;
}

/**
 * Builds the Baozhang CDK app: a stateful and a stateless stack per stage, checked by cdk-nag's
 * AwsSolutions and Serverless packs on every synth. The tests build it the same way.
 */
export function buildApp(app = new App(), options: BuildOptions = {}) {
  const routes = options.routes ?? contractRoutes;
  const jobs = options.jobs ?? contractJobs;
  const config = readConfig(app, jobs);
  // Unset outside `cdk deploy` (synth offline, tests): the stacks are then environment-agnostic.
  const env = { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] };

  const stateful = new StatefulStack(app, `Baozhang-${config.stage}-Stateful`, {
    env,
    stage: config.stage,
    createUserPool: !config.jwt,
    orderSystem: config.orderSystem,
  });
  const stateless = new StatelessStack(app, `Baozhang-${config.stage}-Stateless`, {
    env,
    config,
    table: stateful.table,
    bus: stateful.bus,
    outBus: stateful.outBus,
    // An operator-managed secret when configured (cursorKeysSecretArn), else the stack's own.
    cursorKeys: config.cursorKeysSecretArn ? Secret.fromSecretCompleteArn(stateful, 'CursorKeysConfigured', config.cursorKeysSecretArn) : stateful.cursorKeys,
    userPool: stateful.userPool,
    userPoolClient: stateful.userPoolClient,
    routes,
    jobs,
    entryFor: options.entryFor,
  });
  // Issue 21: the claims desk. It signs in with the API's own issuer: the configured provider
  // (context consoleAuthorizeUrl: its authorize endpoint) or the stack's user pool.
  const authorizeUrl: string | undefined = app.node.tryGetContext('consoleAuthorizeUrl');
  const consoleStack = new ConsoleStack(app, `Baozhang-${config.stage}-Console`, {
    env,
    stage: config.stage,
    apiEndpoint: stateless.api.apiEndpoint,
    auth: config.jwt
      ? { issuer: config.jwt.issuer, clientId: config.jwt.audience, ...(authorizeUrl ? { authorizeUrl } : {}) }
      : {
          issuer: stateful.userPool!.userPoolProviderUrl,
          clientId: stateful.userPoolClient!.userPoolClientId,
          ...(authorizeUrl ? { authorizeUrl } : {}),
        },
    webDist: options.webDist,
  });
  addNagChecks(app);
  return { app, config, stateful, stateless, console: consoleStack };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  buildApp().app.synth();
}
