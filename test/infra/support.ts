import type { Template } from 'aws-cdk-lib/assertions';

/** A policy statement as it appears in a template. */
export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Condition?: unknown;
}

export const actionsOf = (statement: Statement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** `*`, `service:*` or any other wildcard in an action. */
export const isWildcardAction = (action: string) => action.includes('*');

/** Every Allow statement of every policy document in the template (identity and resource policies). */
export function allowStatements(template: Template): Array<{ resource: string; statement: Statement }> {
  const found: Array<{ resource: string; statement: Statement }> = [];
  const documents: Array<[string, { Statement: Statement[] } | undefined]> = [];
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    documents.push([id, policy['Properties'].PolicyDocument]);
  }
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const inline of role['Properties'].Policies ?? []) documents.push([id, inline.PolicyDocument]);
  }
  for (const type of ['AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy', 'AWS::IAM::ManagedPolicy']) {
    for (const [id, policy] of Object.entries(template.findResources(type))) {
      documents.push([id, policy['Properties'].PolicyDocument]);
    }
  }
  for (const [resource, document] of documents) {
    for (const statement of document?.Statement ?? []) {
      if (statement.Effect === 'Allow') found.push({ resource, statement });
    }
  }
  return found;
}

export interface DeployedFunction {
  logicalId: string;
  /** The handler folder, from the function name `baozhang-<stage>-<handler>`. */
  handler: string;
  properties: Record<string, any>;
  /** Statements of the identity policies attached to the function's role. */
  statements: Statement[];
}

/** Each Lambda function of the template with its handler name and its role's statements. */
export function functionsOf(template: Template, stage: string): Map<string, DeployedFunction> {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  const result = new Map<string, DeployedFunction>();
  for (const [logicalId, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
    const properties = fn['Properties'];
    const name: string = properties.FunctionName;
    const prefix = `baozhang-${stage}-`;
    if (typeof name !== 'string' || !name.startsWith(prefix)) continue;
    const roleId: string = properties.Role['Fn::GetAtt'][0];
    const statements = policies
      .filter((policy) => (policy['Properties'].Roles ?? []).some((role: { Ref?: string }) => role.Ref === roleId))
      .flatMap((policy) => policy['Properties'].PolicyDocument.Statement as Statement[]);
    result.set(name.slice(prefix.length), { logicalId, handler: name.slice(prefix.length), properties, statements });
  }
  return result;
}

/** The actions a function's role allows on DynamoDB. */
export const dynamoActions = (fn: DeployedFunction) =>
  fn.statements
    .flatMap(actionsOf)
    .filter((action) => action.startsWith('dynamodb:'))
    .sort();
