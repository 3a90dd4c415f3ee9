import { App } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '#functions/jobs.ts';
import { routes } from '#functions/routes.ts';
import { buildApp } from '#infra/app.ts';
import { ConfigError, readConfig } from '#infra/config.ts';
import { leadingKeys, tableActions } from '#infra/function.ts';
import { EVENTS_HANDLER, OUTBOX_ENRICHMENT, needsOf } from '#infra/handlers.ts';
import { withPlannedJobs, withPlannedRoutes } from './fixtures/contract.ts';
import { keyPrefixesReachableFrom, projectRoot } from './key-prefixes.ts';
import { actionsOf, functionsOf, type Statement } from './support.ts';

/**
 * The infrastructure half of the security regression suite (issue #18; docs/security.md): the
 * bus as a boundary (finding 2), the Cognito fallback pool (finding 1) and item-level IAM
 * (finding 5), on the synthesized templates of both configurations.
 */
const stubHandler = fileURLToPath(new URL('./fixtures/stub-handler.ts', import.meta.url));
const ORDER_ACCOUNT = '210987654321';
const ORDER_ROLE = `arn:aws:iam::${ORDER_ACCOUNT}:role/order-system-publisher`;

function synth(context: Record<string, unknown>) {
  const built = buildApp(new App({ context: { ...context, [BUNDLING_STACKS]: [] } }), {
    routes: withPlannedRoutes(routes),
    jobs: withPlannedJobs(jobs),
    entryFor: () => stubHandler,
  });
  return { built, stateful: Template.fromStack(built.stateful), stateless: Template.fromStack(built.stateless) };
}

let withRole: ReturnType<typeof synth>;
let pool: ReturnType<typeof synth>;
beforeAll(() => {
  withRole = synth({
    stage: 'sec',
    jwtIssuer: 'https://issuer.example/',
    jwtAudience: 'baozhang-api',
    orderSystemAccount: ORDER_ACCOUNT,
    orderSystemRoleArn: ORDER_ROLE,
    orderSystemSource: 'tmall.orders',
  });
  pool = synth({ stage: 'secpool' });
});

const busPolicies = (template: Template) =>
  Object.values(template.findResources('AWS::Events::EventBusPolicy')).map((resource) => resource['Properties'] as Record<string, any>);
const onBus = (name: string) => (policy: Record<string, any>) => JSON.stringify(policy['EventBusName']).includes(name);

describe('Finding 2 — the inbound bus admits only the order system', () => {
  it('its resource policy allows the configured role with its source, and explicitly denies every other principal and source', () => {
    const policies = busPolicies(withRole.stateful).filter((p) => !onBus('OutBus')(p));
    const statements = policies.map((p) => p['Statement'] as Statement & { Principal: unknown; Sid: string });
    expect(statements).toHaveLength(3);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Principal: { AWS: ORDER_ROLE },
        Condition: { StringEquals: { 'events:source': ['tmall.orders'] } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'events:PutEvents',
        Principal: { AWS: '*' },
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': ORDER_ROLE } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'events:PutEvents',
        Principal: { AWS: '*' },
        Condition: { StringNotEquals: { 'events:source': ['tmall.orders'] } },
      }),
    );
  });

  it('without a role ARN: the order system’s account (default: this one) is allowed and every other account denied', () => {
    const statements = busPolicies(pool.stateful)
      .filter((p) => !onBus('OutBus')(p))
      .map((p) => p['Statement']);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { StringNotEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } } }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { StringNotEquals: { 'events:source': ['marketplace.orders'] } } }));
  });

  it('the inbound rule allow-lists the order system’s source and account (no "anything-but")', () => {
    withRole.stateless.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['tmall.orders'], account: [ORDER_ACCOUNT], detail: { type: [{ prefix: 'order.' }, { prefix: 'merchant.' }] } },
    });
    const rules = Object.values(withRole.stateless.findResources('AWS::Events::Rule'));
    expect(JSON.stringify(rules)).not.toContain('anything-but');
  });

  it('the configuration refuses a malformed account, role or source, and the source "baozhang"', () => {
    const config = (context: Record<string, string>) => readConfig(new App({ context }), jobs);
    expect(() => config({ orderSystemAccount: '1234' })).toThrow(ConfigError);
    expect(() => config({ orderSystemRoleArn: 'arn:aws:iam::123:user/x' })).toThrow(ConfigError);
    expect(() => config({ orderSystemAccount: ORDER_ACCOUNT, orderSystemRoleArn: 'arn:aws:iam::123456789012:role/x' })).toThrow(ConfigError);
    expect(() => config({ orderSystemSource: 'baozhang' })).toThrow(ConfigError);
    expect(config({ orderSystemRoleArn: ORDER_ROLE }).orderSystem).toEqual({ account: ORDER_ACCOUNT, roleArn: ORDER_ROLE, source: 'marketplace.orders' });
  });
});

describe('Finding 2 — Baozhang’s events go out on a bus of their own that only the outbox pipe writes', () => {
  it('a second bus, retained; the pipe targets it, not the inbound bus', () => {
    withRole.stateful.hasResource('AWS::Events::EventBus', { Properties: { Name: 'baozhang-sec-out' }, DeletionPolicy: 'Retain' });
    const pipe = Object.values(withRole.stateless.findResources('AWS::Pipes::Pipe'))[0]!['Properties'];
    expect(JSON.stringify(pipe.Target)).toMatch(/OutBus/);
  });

  it('its policy denies PutEvents to every principal but the pipe’s role', () => {
    const policies = busPolicies(withRole.stateless);
    expect(policies).toHaveLength(1);
    const statement = policies[0]!['Statement'];
    expect(statement).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 'events:PutEvents' });
    const pipeRole = Object.keys(
      withRole.stateless.findResources('AWS::IAM::Role', {
        Properties: { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'pipes.amazonaws.com' } })] }) },
      }),
    )[0]!;
    expect(statement.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [pipeRole, 'Arn'] } } });
    expect(JSON.stringify(policies[0]!['EventBusName'])).toMatch(/OutBus/);
  });

  it('no function may put events on the inbound bus', () => {
    for (const [handler, fn] of functionsOf(withRole.stateless, 'sec')) {
      const puts = fn.statements.filter((s) => actionsOf(s).includes('events:PutEvents'));
      for (const statement of puts) expect(JSON.stringify(statement.Resource), handler).toMatch(/OutBus/);
    }
  });
});

describe('Finding 1 — the fallback Cognito pool: roles are groups, nothing authorisation reads is user-writable', () => {
  it('one group per role', () => {
    const groups = Object.values(pool.stateful.findResources('AWS::Cognito::UserPoolGroup'))
      .map((g) => g['Properties'].GroupName)
      .sort();
    expect(groups).toEqual(['adjuster', 'buyer', 'merchant', 'ops', 'service']);
  });

  it('the app client cannot write custom:role (or any custom attribute) and has no OAuth flows, scopes or placeholder callback', () => {
    const clients = Object.values(pool.stateful.findResources('AWS::Cognito::UserPoolClient')).map((c) => c['Properties']);
    expect(clients).toHaveLength(1);
    const client = clients[0]!;
    expect(client.WriteAttributes).toEqual(['locale']);
    expect(client.ReadAttributes).not.toContain('custom:role');
    expect(client.ExplicitAuthFlows.sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH']);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(false);
    expect(client.AllowedOAuthFlows).toBeUndefined();
    expect(client.AllowedOAuthScopes).toBeUndefined();
    expect(client.CallbackURLs).toBeUndefined();
  });
});

describe('Finding 4 — cursor keys come from configuration', () => {
  it('the list handlers (and only they) read the cursor-keys secret, named in CURSOR_KEYS_SECRET_ARN', () => {
    const readers = [...functionsOf(withRole.stateless, 'sec')]
      .filter(([, fn]) => fn.properties.Environment?.Variables?.CURSOR_KEYS_SECRET_ARN)
      .map(([handler]) => handler)
      .sort();
    expect(readers).toEqual(['list-claims', 'list-payouts', 'list-policies']);
    for (const handler of readers) {
      const fn = functionsOf(withRole.stateless, 'sec').get(handler)!;
      expect(
        fn.statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue')),
        handler,
      ).toHaveLength(1);
    }
    withRole.stateful.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ Name: 'baozhang-sec/cursor-keys' }),
      DeletionPolicy: 'Retain',
    });
  });
});

describe('Finding 5 — item-level least privilege: writes limited to declared partition-key prefixes', () => {
  const handlers = () => [...functionsOf(withRole.stateless, 'sec')];
  const writeActions = tableActions('read-write').filter((action) => !tableActions('read').includes(action));

  it('every statement granting a table write carries ForAllValues:StringLike dynamodb:LeadingKeys = the declared prefixes, on the table only', () => {
    let writers = 0;
    for (const [handler, fn] of handlers()) {
      const writes = fn.statements.filter((s) => actionsOf(s).some((a) => writeActions.includes(a)));
      if (needsOf(handler).table !== 'read-write') {
        expect(writes, handler).toEqual([]);
        continue;
      }
      writers += 1;
      expect(writes, handler).toHaveLength(1);
      const [statement] = writes;
      expect(actionsOf(statement!).sort(), handler).toEqual([...writeActions].sort());
      expect(statement!.Condition, handler).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys(needsOf(handler).writes!) } });
      expect(JSON.stringify(statement!.Resource), handler).not.toContain('/index/');
    }
    expect(writers).toBeGreaterThan(5);
  });

  it('each read-write handler’s declared prefixes are exactly the keys its code can build (import graph → keys.*)', () => {
    for (const [handler] of handlers()) {
      const needs = needsOf(handler);
      if (needs.table !== 'read-write') continue;
      const entry = handler === OUTBOX_ENRICHMENT ? `${projectRoot}/infra/outbox-enrichment.ts` : `${projectRoot}/functions/${handler}/handler.ts`;
      expect(existsSync(entry), entry).toBe(true);
      const derived = keyPrefixesReachableFrom(entry);
      expect([...new Set(needs.writes)].sort(), `${handler}: ${JSON.stringify(Object.fromEntries(derived))}`).toEqual([...derived.keys()].sort());
    }
  });

  it('a buyer-reachable action cannot write deposits or withdrawals (add-evidence, submit-claim, issue-policy)', () => {
    for (const handler of ['add-evidence', 'submit-claim', 'issue-policy']) {
      expect(needsOf(handler).writes, handler).not.toContain('DEPOSIT#');
      expect(needsOf(handler).writes, handler).not.toContain('WITHDRAWAL#');
    }
    expect(needsOf('join').writes).not.toContain('PAYOUT#');
    expect(needsOf(EVENTS_HANDLER).writes).not.toContain('LOCALPAY#');
  });
});
