import type { App } from 'aws-cdk-lib';

/**
 * Deployment settings, from CDK context (`-c key=value` or cdk.json) with environment fallbacks.
 * Documented in the README's deploy section.
 */
export interface DeployConfig {
  stage: string;
  /** JWT issuer and audience for the API Gateway JWT authorizer. */
  jwtIssuer?: string;
  jwtAudience?: string;
}

export function readConfig(app: App): DeployConfig {
  const get = (key: string, env: string): string | undefined => {
    const value = app.node.tryGetContext(key) ?? process.env[env];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return {
    stage: get('stage', 'BAOZHANG_STAGE') ?? 'dev',
    jwtIssuer: get('jwtIssuer', 'BAOZHANG_JWT_ISSUER'),
    jwtAudience: get('jwtAudience', 'BAOZHANG_JWT_AUDIENCE'),
  };
}
