import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccountRecovery, ClientAttributes, Mfa, StringAttribute, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { AttributeType, ProjectionType, StreamViewType, TableEncryptionV2, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, AnyPrincipal, ArnPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ROLES } from '#shared/http/auth.ts';
import { tableDefinition, type KeyAttribute } from '#shared/store/table-definition.ts';
import type { DeployConfig } from './config.ts';
import { evidenceBucketName } from './evidence.ts';
import { acknowledge } from './nag.ts';

const attribute = (key: KeyAttribute): Attribute => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

export interface StatefulStackProps extends StackProps {
  stage: string;
  /** Create a Cognito user pool for the API's JWT authorizer (when no external issuer is configured). */
  createUserPool: boolean;
  /** The one producer the inbound bus admits (infra/config.ts). */
  orderSystem: DeployConfig['orderSystem'];
}

/**
 * What must outlive any deployment: the single table (built from the shared table definition,
 * the same one the local runtime uses), the event bus for events in and out, and — when no
 * external identity provider is configured — the user pool. Retained on stack deletion.
 */
export class StatefulStack extends Stack {
  readonly table: TableV2;
  /** Events in: only the order system may put events here (its resource policy). */
  readonly bus: EventBus;
  /** Events out: Baozhang's own events; only the outbox pipe may put events here. */
  readonly outBus: EventBus;
  /** The keys list cursors are signed with (shared/http/cursor.ts): first signs, any verifies. */
  readonly cursorKeys: Secret;
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;
  /** Issue 21: the claimants' evidence files (shared/evidence/s3.ts), one object per uploaded item. */
  readonly evidenceBucket: Bucket;

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
        // Issue 20: each index projects what its queries return (shared/store/table-definition.ts).
        projectionType: ProjectionType[index.projection.type],
        ...(index.projection.type === 'INCLUDE' ? { nonKeyAttributes: [...(index.projection.nonKeyAttributes ?? [])] } : {}),
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

    // Events in: the order system puts order.* / merchant.* events here, and nobody else can.
    this.bus = new EventBus(this, 'Bus', { eventBusName: `baozhang-${props.stage}` });
    // Producers (the order system) are configured with its name: it must survive a stack rebuild.
    this.bus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.admitOnlyTheOrderSystem(props.orderSystem);
    // Events out: a bus of its own, so no inbound producer can publish as Baozhang and no consumer
    // of Baozhang's events can be fed forged ones. Its policy (only the outbox pipe's role) sits
    // next to the pipe in the stateless stack, which owns that role.
    this.outBus = new EventBus(this, 'OutBus', { eventBusName: `baozhang-${props.stage}-out` });
    this.outBus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    // Rotation = an operator puts `<new key>,<old key>` and later drops the old one: cursors in
    // flight stay valid through it. Retained: a new secret would only end every open listing.
    this.cursorKeys = new Secret(this, 'CursorKeys', {
      secretName: `baozhang-${props.stage}/cursor-keys`,
      description: 'HMAC keys of list cursors: comma-separated, the first signs, any verifies',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.cursorKeys, {
      'AwsSolutions-SMG4':
        'Rotated by hand as a key list (new,old then new): an automatic single-value rotation would invalidate every ' +
        'cursor in flight. A leaked key lets one forge cursors only within lists the caller may already read.',
    });
    this.evidenceBucket = this.createEvidenceBucket(props.stage);
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'BusName', { value: this.bus.eventBusName, description: 'Where the order system puts its events' });
    new CfnOutput(this, 'OutBusName', { value: this.outBus.eventBusName, description: "Where Baozhang's own events are published" });

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
        // Legacy: pools deployed before issue #18 carry `custom:role`, and Cognito cannot delete a
        // custom attribute from a pool. It stays declared, but the app client may not write it and
        // the API never reads it: the role is the user's group (below), which only an admin sets.
        customAttributes: { role: new StringAttribute({ minLen: 1, maxLen: 16, mutable: true }) },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // One group per role; an administrator puts each user in exactly one (README "Deploying").
      // Tokens carry it as `cognito:groups`, which a user cannot change (shared/http/auth.ts).
      for (const role of ROLES) {
        this.userPool.addGroup(`Role-${role}`, { groupName: role, description: `Baozhang role '${role}' (exactly one group per user)` });
      }
      this.userPoolClient = this.userPool.addClient('ApiClient', {
        // Clients sign in with SRP and send the ID token (token_use "id", aud = this client); no
        // hosted UI, so no OAuth flows, scopes or callback URLs at all.
        authFlows: { userSrp: true },
        disableOAuth: true,
        generateSecret: false,
        preventUserExistenceErrors: true,
        // Users may change nothing that authorisation reads; `locale` only, never custom:role.
        writeAttributes: new ClientAttributes().withStandardAttributes({ locale: true }),
        readAttributes: new ClientAttributes().withStandardAttributes({ email: true, emailVerified: true, locale: true }),
      });
      acknowledge(this.userPool, {
        'AwsSolutions-COG8':
          'This pool is the fallback for stages without the marketplace identity provider (set jwtIssuer/' +
          'jwtAudience for production). Threat protection needs the Plus tier, billed per active user: an ' +
          'operator decision for such a stage, not a default.',
      });
    }
  }

  /**
   * Evidence (issue 21): private (public access blocked, bucket-owner objects, no ACLs), encrypted
   * at rest, TLS only, versioned — an overwrite or delete keeps the version a claim was decided on
   * for a year — with its access logged to a bucket of its own. Uploads arrive by presigned PUT
   * from the console's origin; CORS admits PUT/GET with the checksum header (the presigned
   * signature, not CORS, is what authorises). Retained: evidence outlives any deployment.
   */
  private createEvidenceBucket(stage: string): Bucket {
    const common = {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const accessLogs = new Bucket(this, 'EvidenceAccessLogs', {
      ...common,
      // S3 delivers server access logs with the log-delivery ACL unless the app opts into the
      // bucket-policy delivery flag; CDK then acknowledges cfn-lint's W3045 on this bucket itself.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(400) }],
    });
    // Not itself access-logged (that would loop); cdk-nag does not ask it of a log target.
    const bucket = new Bucket(this, 'Evidence', {
      ...common,
      bucketName: evidenceBucketName(stage),
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'evidence/',
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-replaced-versions', noncurrentVersionExpiration: Duration.days(365) },
        { id: 'infrequent-access-after-90-days', transitions: [{ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(90) }] },
      ],
      cors: [
        {
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET],
          allowedOrigins: ['*'],
          allowedHeaders: ['content-type', 'x-amz-checksum-sha256'],
          exposedHeaders: ['etag', 'x-amz-checksum-sha256'],
          maxAge: 3000,
        },
      ],
    });
    new CfnOutput(this, 'EvidenceBucketName', { value: bucket.bucketName });
    return bucket;
  }

  /**
   * The inbound bus's resource policy (docs/security.md, "The event bus"): the order system's role
   * (or, without one, its account) may put events with its source; an explicit Deny refuses every
   * other principal — including principals of this account whose IAM policies allow PutEvents,
   * which an Allow alone would not stop — and every other source.
   */
  private admitOnlyTheOrderSystem(orderSystem: DeployConfig['orderSystem']): void {
    const account = orderSystem.account ?? this.account;
    const onBus = { actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] };
    this.bus.addToResourcePolicy(
      new PolicyStatement({
        sid: 'order-system-puts',
        ...onBus,
        principals: [orderSystem.roleArn ? new ArnPrincipal(orderSystem.roleArn) : new AccountPrincipal(account)],
        conditions: { StringEquals: { 'events:source': [orderSystem.source] } },
      }),
    );
    this.bus.addToResourcePolicy(
      new PolicyStatement({
        sid: 'deny-other-principals',
        effect: Effect.DENY,
        ...onBus,
        principals: [new AnyPrincipal()],
        conditions: orderSystem.roleArn
          ? { ArnNotEquals: { 'aws:PrincipalArn': orderSystem.roleArn } }
          : { StringNotEquals: { 'aws:PrincipalAccount': account } },
      }),
    );
    this.bus.addToResourcePolicy(
      new PolicyStatement({
        sid: 'deny-other-sources',
        effect: Effect.DENY,
        ...onBus,
        principals: [new AnyPrincipal()],
        conditions: { StringNotEquals: { 'events:source': [orderSystem.source] } },
      }),
    );
  }
}
