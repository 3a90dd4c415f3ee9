import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { routes } from '#functions/routes.ts';
import { tableDefinition } from '#shared/store/table-definition.ts';

let stateful: Template;
let stateless: Template;

beforeAll(() => {
  const built = buildApp(new App({ context: { stage: 'test', jwtIssuer: 'https://issuer.example', jwtAudience: 'baozhang-api' } }));
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
});

describe('CDK app', () => {
  it('builds the table from the one shared definition (keys, indexes, TTL)', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: tableDefinition.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: tableDefinition.sortKey.name, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
        }),
      ),
      TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
    stateful.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('has one API Gateway route per contract route, protected by the JWT authorizer unless public', () => {
    for (const route of routes) {
      stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: route.roles === 'public' ? 'NONE' : 'JWT',
      });
    }
    expect(Object.keys(stateless.findResources('AWS::ApiGatewayV2::Route'))).toHaveLength(routes.length);
  });

  it('runs every handler on Node 22, arm64, with explicit memory and timeout and tracing', () => {
    const functions = stateless.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBe(new Set(routes.map((r) => r.handler)).size);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: expect.any(Number),
        Timeout: expect.any(Number),
        TracingConfig: { Mode: 'Active' },
      });
    }
  });
});
