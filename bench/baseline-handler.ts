/**
 * The cold-start baseline (issue: "a bundle that only creates a DynamoDB document client and
 * does one GetItem"), bundled with the same settings as every handler.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (): Promise<unknown> =>
  (await documentClient.send(new GetCommand({ TableName: process.env['TABLE_NAME'], Key: { PK: 'baseline', SK: 'baseline' } }))).Item ?? null;
