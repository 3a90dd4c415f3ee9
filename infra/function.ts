import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { tableDefinition } from '#shared/store/table-definition.ts';
import { cdkBundling, projectRoot } from './bundling.ts';
import { evidenceBucketArn, evidenceBucketName, evidenceObjectsArn, evidenceObjectsFinding } from './evidence.ts';
import type { PaymentProvider } from './config.ts';
import type { ResolvedNeeds, TableAccess } from './handlers.ts';
import { acknowledge, reasons } from './nag.ts';

export { projectRoot };

/** The handler module of a folder under functions/. */
export const handlerEntry = (handler: string) => `${projectRoot}functions/${handler}/handler.ts`;

// Explicit action lists instead of grantReadData/grantReadWriteData: those also grant Scan and the
// stream reads, which no handler needs (list and due-item queries use indexes, never Scan).
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** The `dynamodb:LeadingKeys` patterns of a write grant: `MERCHANT#*`, … */
export function leadingKeys(prefixes: readonly string[]): string[] {
  return [...new Set(prefixes)].sort().map((prefix) => `${prefix}*`);
}

export function tableActions(access: TableAccess): string[] {
  if (access === 'none') return [];
  return access === 'read' ? READ_ACTIONS : [...READ_ACTIONS, ...WRITE_ACTIONS];
}

export interface BaozhangFunctionProps {
  /** The handler's name (its folder under functions/); part of the function name. */
  handler: string;
  /** The module exporting `handler`; defaults to functions/<handler>/handler.ts. */
  entry?: string;
  stage: string;
  needs: ResolvedNeeds;
  table: ITableV2;
  bus: IEventBus;
  payment: { provider: PaymentProvider; secretArn?: string };
  /** For handlers of list routes: the secret holding the cursor-signing keys (shared/http/cursor.ts). */
  cursorKeys?: ISecret;
  /** CloudWatch namespace the handler's Powertools metrics go to. */
  metricsNamespace: string;
  /**
   * For functions invoked asynchronously (bus rule, schedules): where an event goes once Lambda's
   * own retries are exhausted. Synchronously invoked functions have none.
   */
  onFailure?: IQueue;
  /** Settings from CDK context for this function (RULES_CONFIG, PAYOUT_*, …: infra/config.ts). */
  settings?: Readonly<Record<string, string>>;
  /** Days its log group keeps logs; 30 by default. */
  logRetentionDays?: number;
  /** LOG_LEVEL and Lambda's application log level; INFO by default. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * One Lambda per action with the defaults every function shares: Node 22 on arm64, bundled by
 * the locally installed esbuild (never Docker) as minified ESM with the AWS SDK inside, X-Ray
 * tracing, its own log group with retention, and a role holding only what `needs` declares.
 */
export class BaozhangFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly handler: string;

  constructor(scope: Construct, id: string, props: BaozhangFunctionProps) {
    super(scope, id);
    this.handler = props.handler;
    const { needs } = props;
    const logGroup = new LogGroup(this, 'Logs', { retention: (props.logRetentionDays ?? 30) as RetentionDays });
    const logLevel = props.logLevel ?? 'INFO';

    // Our own role rather than the default one: the default attaches the AWS managed
    // AWSLambdaBasicExecutionRole (logs on every log group); this one may write only its own.
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));

    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: 'baozhang',
      LOG_LEVEL: logLevel,
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
      NODE_OPTIONS: '--enable-source-maps',
      // The idempotency lock must outlive the longest invocation (shared/http/idempotency.ts).
      FUNCTION_TIMEOUT_SECONDS: String(needs.timeout.toSeconds()),
      ...props.settings,
    };

    if (needs.table !== 'none') {
      environment['TABLE_NAME'] = props.table.tableName;
      const indexes = tableDefinition.globalSecondaryIndexes.map((index) => `${props.table.tableArn}/index/${index.indexName}`);
      this.role.addToPolicy(new PolicyStatement({ actions: READ_ACTIONS, resources: [props.table.tableArn, ...indexes] }));
    }
    if (needs.table === 'read-write') {
      if (!needs.writes?.length) {
        throw new Error(`${props.handler} is read-write but declares no key prefixes: add its 'writes' to infra/handlers.ts`);
      }
      // Item-level least privilege: each written item's partition key must start with a declared
      // prefix. LeadingKeys is the base table's partition key; writes never address an index.
      this.role.addToPolicy(
        new PolicyStatement({
          actions: WRITE_ACTIONS,
          resources: [props.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys(needs.writes) } },
        }),
      );
    }
    if (needs.publishes) {
      // No EVENT_BUS_NAME: no code reads it (events leave through the outbox pipe).
      this.role.addToPolicy(new PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }));
    }
    if (needs.pays) {
      environment['PAYMENT_PROVIDER'] = props.payment.provider;
      if (props.payment.secretArn) {
        environment['PAYMENT_SECRET_ARN'] = props.payment.secretArn;
        this.role.addToPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.payment.secretArn] }));
      }
    }

    if (needs.evidence) {
      environment['EVIDENCE_BUCKET'] = evidenceBucketName(props.stage);
      // Objects under evidence/ only. HeadObject is s3:GetObject; ListBucket (on that prefix) makes a
      // missing upload a 404 rather than a 403. Presigned URLs carry exactly these permissions.
      const objects = evidenceObjectsArn(props.stage);
      this.role.addToPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [evidenceBucketArn(props.stage)],
          conditions: { StringLike: { 's3:prefix': ['evidence/*'] } },
        }),
      );
      if (needs.evidence === 'write') this.role.addToPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] }));
      acknowledge(this, {
        [evidenceObjectsFinding(props.stage)]:
          'Evidence objects have one unguessable key per upload, created at run time under evidence/; the grant is that prefix only.',
      });
    }

    if (props.cursorKeys) {
      environment['CURSOR_KEYS_SECRET_ARN'] = props.cursorKeys.secretArn;
      this.role.addToPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.cursorKeys.secretArn] }));
    }

    this.fn = new NodejsFunction(this, 'Fn', {
      functionName: `baozhang-${props.stage}-${props.handler}`,
      entry: props.entry ?? handlerEntry(props.handler),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: needs.memorySize,
      timeout: needs.timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup,
      // Lambda's JSON log format: its own lines (START, REPORT, timeouts) are JSON like the
      // logger's, and the application level filters before anything is billed.
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[logLevel],
      systemLogLevelV2: SystemLogLevel.INFO,
      environment,
      ...(props.onFailure ? { onFailure: new SqsDestination(props.onFailure), retryAttempts: 2, maxEventAge: Duration.hours(6) } : {}),
      bundling: cdkBundling(),
    });

    acknowledge(this, {
      'AwsSolutions-IAM5[Resource::*]': reasons.xrayResourceStar,
      'AwsSolutions-L1': reasons.nodeRuntime,
      'Serverless-LambdaLatestVersion': reasons.nodeRuntime,
      'Serverless-LambdaDLQ': props.onFailure ? reasons.asyncUsesDestination : reasons.syncInvokeNoDlq,
    });
  }
}
