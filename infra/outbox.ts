import { Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The `source` of every event Baozhang publishes. The inbound rule ignores it (no loops). */
export const EVENT_SOURCE = 'baozhang';

/** Outbox items are the table items whose partition key starts with this (shared/store/keys.ts). */
export const OUTBOX_PREFIX = 'OUTBOX#';

/** Stream records the pipe forwards: newly inserted outbox items, nothing else. */
export const outboxFilterPattern = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { PK: { S: [{ prefix: OUTBOX_PREFIX }] } } },
};

export interface OutboxPipeProps {
  stage: string;
  table: ITableV2;
  bus: IEventBus;
  /** Turns stream records into event envelopes (outbox-enrichment.ts). */
  enrichment: IFunction;
  deadLetterQueue: IQueue;
}

/**
 * Transactional outbox → EventBridge. A handler writes its state change and an OUTBOX# item in one
 * transaction; this pipe reads the table stream, keeps only new outbox items, has the enrichment
 * turn each into `{id, type, occurredAt, data}` and puts it on the bus with detail-type = `type`.
 * Failing batches are retried and bisected; what still fails goes to the dead-letter queue (which
 * records the stream position, not the item: the item itself stays in the table for a replay).
 */
export class OutboxPipe extends Construct {
  readonly pipe: CfnPipe;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: OutboxPipeProps) {
    super(scope, id);
    const streamArn = props.table.tableStreamArn;
    if (!streamArn) throw new Error('The table has no stream: the outbox pipe needs one');
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });

    this.role = new Role(this, 'Role', {
      // Only pipes of this account may assume it (confused-deputy guard).
      assumedBy: new ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    const allow = (actions: string[], resource: string) => this.role.addToPolicy(new PolicyStatement({ actions, resources: [resource] }));
    allow(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'], streamArn);
    allow(['lambda:InvokeFunction'], props.enrichment.functionArn);
    allow(['events:PutEvents'], props.bus.eventBusArn);
    allow(['sqs:SendMessage'], props.deadLetterQueue.queueArn);
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], logGroup.logGroupArn);

    this.pipe = new CfnPipe(this, 'Pipe', {
      name: `baozhang-${props.stage}-outbox`,
      description: 'Publishes new outbox items of the table on the event bus',
      roleArn: this.role.roleArn,
      source: streamArn,
      sourceParameters: {
        filterCriteria: { filters: [{ pattern: JSON.stringify(outboxFilterPattern) }] },
        dynamoDbStreamParameters: {
          startingPosition: 'LATEST',
          // PutEvents takes at most 10 entries per call.
          batchSize: 10,
          maximumBatchingWindowInSeconds: 1,
          maximumRetryAttempts: 10,
          // Records leave the stream after 24 hours; give up (to the DLQ) well before.
          maximumRecordAgeInSeconds: 6 * 60 * 60,
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
        },
      },
      enrichment: props.enrichment.functionArn,
      target: props.bus.eventBusArn,
      targetParameters: {
        // Dynamic path parameters: each event's detail-type is its envelope's `type`.
        eventBridgeEventBusParameters: { source: EVENT_SOURCE, detailType: '$.type' },
      },
      logConfiguration: { level: 'ERROR', cloudwatchLogsLogDestination: { logGroupArn: logGroup.logGroupArn } },
    });
    // The role's policy must exist before the pipe starts polling the stream.
    this.pipe.node.addDependency(this.role);
  }
}
