import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export interface BaozhangFunctionProps {
  /** Folder under functions/ holding handler.ts. */
  handler: string;
  stage: string;
  table: ITableV2;
  /** Table access this function needs: least privilege, read-only where it only reads. */
  tableAccess: 'read' | 'read-write';
  memorySize?: number;
  timeout?: Duration;
}

/**
 * One Lambda per action with the defaults every function shares: Node 22 on arm64, bundled by
 * the locally installed esbuild (never Docker) as minified ESM with the AWS SDK inside, X-Ray
 * tracing, a log group with retention, and only the table access it declares.
 */
export class BaozhangFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: BaozhangFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    this.fn = new NodejsFunction(this, 'Fn', {
      functionName: `baozhang-${props.stage}-${props.handler}`,
      entry: `${projectRoot}functions/${props.handler}/handler.ts`,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        TABLE_NAME: props.table.tableName,
        POWERTOOLS_SERVICE_NAME: 'baozhang',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // Bundle the SDK too: a pinned, tree-shaken copy loads faster than the runtime's full one.
        externalModules: [],
        mainFields: ['module', 'main'],
        // Some CommonJS dependencies call require(); give the ESM bundle one.
        banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
      },
    });
    if (props.tableAccess === 'read') props.table.grantReadData(this.fn);
    else props.table.grantReadWriteData(this.fn);
  }
}
