import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { routes } from '#functions/routes.ts';
import { BaozhangFunction } from './function.ts';

export interface StatelessStackProps extends StackProps {
  stage: string;
  table: ITableV2;
  jwtIssuer?: string;
  jwtAudience?: string;
}

/** Handlers that only read the table. */
const READ_ONLY = new Set(['health', 'openapi']);

/**
 * What can be redeployed at will: one function per handler and the HTTP API with one route per
 * contract route (from functions/routes.ts, the list the local runtime serves).
 */
export class StatelessStack extends Stack {
  readonly api: HttpApi;
  readonly functions = new Map<string, BaozhangFunction>();

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const authorizer: IHttpRouteAuthorizer | undefined =
      props.jwtIssuer && props.jwtAudience
        ? new HttpJwtAuthorizer('Jwt', props.jwtIssuer, { jwtAudience: [props.jwtAudience] })
        : undefined;

    this.api = new HttpApi(this, 'Api', { apiName: `baozhang-${props.stage}`, createDefaultStage: true });

    for (const route of routes) {
      let fn = this.functions.get(route.handler);
      if (!fn) {
        fn = new BaozhangFunction(this, `Fn-${route.handler}`, {
          handler: route.handler,
          stage: props.stage,
          table: props.table,
          tableAccess: READ_ONLY.has(route.handler) ? 'read' : 'read-write',
        });
        this.functions.set(route.handler, fn);
      }
      this.api.addRoutes({
        path: route.path,
        methods: [route.method as HttpMethod],
        integration: new HttpLambdaIntegration(`Int-${route.operationId}`, fn.fn),
        ...(route.roles === 'public' || !authorizer ? {} : { authorizer }),
      });
    }
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
  }
}
