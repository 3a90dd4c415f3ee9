import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { optionalEnv, requireEnv } from '#shared/config.ts';

/**
 * One document client per execution environment, created at module scope so warm invocations
 * reuse its connections. `DYNAMODB_ENDPOINT` points it at DynamoDB Local (npm start, tests);
 * in AWS it is unset and the SDK uses the regional endpoint and the function's role.
 */
const endpoint = optionalEnv('DYNAMODB_ENDPOINT');

export const tableName = requireEnv('TABLE_NAME');

export const dynamoClient = new DynamoDBClient(
  endpoint
    ? {
        endpoint,
        region: optionalEnv('AWS_REGION', 'local'),
        // DynamoDB Local accepts any credentials; fixed ones keep a developer's real keys out of it.
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }
    : {},
);

export const documentClient = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
