import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.ts';
import { keys } from './keys.ts';

/**
 * One eventually consistent read of a key that never exists: 0.5 RCU, and only GetItem
 * permission. Resolves once the table answers; throws what the SDK throws when it does not.
 */
export async function readHealthProbe(): Promise<void> {
  await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.healthProbe() }));
}
