import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { settings } from '#shared/config.ts';

/**
 * One DynamoDB client per execution environment, created at module scope so warm invocations
 * reuse its connections. `DYNAMODB_ENDPOINT` points it at DynamoDB Local (npm start, tests);
 * in AWS it is unset and the SDK uses the regional endpoint and the function's role.
 * It needs no table name, so modules every handler shares (idempotency) can import it statically
 * — a static import keeps the SDK tree-shaken in the bundle; a dynamic one does not.
 */
const { dynamodbEndpoint: endpoint, awsRegion } = settings();

export const dynamoClient = new DynamoDBClient(
  endpoint
    ? {
        endpoint,
        region: awsRegion,
        // DynamoDB Local accepts any credentials; fixed ones keep a developer's real keys out of it.
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }
    : {},
);

export const documentClient = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
