import { App } from 'aws-cdk-lib';
import { readConfig } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

/** Builds the Baozhang CDK app; `infra/main.ts`-style entry below synthesizes it for `cdk`. */
export function buildApp(app = new App()) {
  const config = readConfig(app);
  const env = { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] };
  const stateful = new StatefulStack(app, `Baozhang-${config.stage}-Stateful`, { env, stage: config.stage });
  const stateless = new StatelessStack(app, `Baozhang-${config.stage}-Stateless`, {
    env,
    stage: config.stage,
    table: stateful.table,
    jwtIssuer: config.jwtIssuer,
    jwtAudience: config.jwtAudience,
  });
  return { app, stateful, stateless };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  buildApp().app.synth();
}
