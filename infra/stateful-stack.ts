import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccountRecovery, Mfa, StringAttribute, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { AttributeType, StreamViewType, TableEncryptionV2, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { tableDefinition, type KeyAttribute } from '#shared/store/table-definition.ts';
import { acknowledge } from './nag.ts';

const attribute = (key: KeyAttribute): Attribute => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

export interface StatefulStackProps extends StackProps {
  stage: string;
  /** Create a Cognito user pool for the API's JWT authorizer (when no external issuer is configured). */
  createUserPool: boolean;
}

/**
 * What must outlive any deployment: the single table (built from the shared table definition,
 * the same one the local runtime uses), the event bus for events in and out, and — when no
 * external identity provider is configured — the user pool. Retained on stack deletion.
 */
export class StatefulStack extends Stack {
  readonly table: TableV2;
  readonly bus: EventBus;
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    this.table = new TableV2(this, 'Table', {
      tableName: `baozhang-${props.stage}`,
      partitionKey: attribute(tableDefinition.partitionKey),
      sortKey: attribute(tableDefinition.sortKey),
      // TableV2 is on-demand unless given capacity: no throughput to guess, no throttling to tune.
      globalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
      })),
      // Idempotency records carry an epoch-seconds expiry; DynamoDB deletes them for free.
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryptionV2.awsManagedKey(),
      // The outbox pipe reads new OUTBOX# items from the stream; new images are all it needs.
      dynamoStream: StreamViewType.NEW_IMAGE,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // One bus for both directions: the order system puts order.* / merchant.* events on it, and
    // the outbox pipe puts Baozhang's own events (source `baozhang`) on it for other consumers.
    this.bus = new EventBus(this, 'Bus', { eventBusName: `baozhang-${props.stage}` });
    // Producers (the order system) are configured with its name: it must survive a stack rebuild.
    this.bus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'BusName', { value: this.bus.eventBusName, description: 'Where the order system puts its events' });

    if (props.createUserPool) {
      this.userPool = new UserPool(this, 'Users', {
        userPoolName: `baozhang-${props.stage}`,
        // Parties are provisioned by the marketplace (merchants, buyers, staff), never self-registered.
        selfSignUpEnabled: false,
        signInAliases: { username: true, email: true },
        passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
        mfa: Mfa.REQUIRED,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: AccountRecovery.EMAIL_ONLY,
        // The API authorises by a `role` claim (merchant, buyer, adjuster, ops, service).
        customAttributes: { role: new StringAttribute({ minLen: 1, maxLen: 16, mutable: true }) },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.userPoolClient = this.userPool.addClient('ApiClient', {
        authFlows: { userSrp: true },
        generateSecret: false,
        preventUserExistenceErrors: true,
      });
      acknowledge(this.userPool, {
        'AwsSolutions-COG8':
          'This pool is the fallback for stages without the marketplace identity provider (set jwtIssuer/' +
          'jwtAudience for production). Threat protection needs the Plus tier, billed per active user: an ' +
          'operator decision for such a stage, not a default.',
      });
    }
  }
}
