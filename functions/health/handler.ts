import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { httpHandler } from '#shared/http/handler.ts';
import { problems } from '#shared/http/problem.ts';
import { logger } from '#shared/logger.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { healthRoute } from './schema.ts';

/**
 * GET /v1/health — 200 once the table answers a read. A key that never exists keeps the probe
 * to one eventually consistent read (0.5 RCU) and needs only GetItem permission.
 */
export const handler = httpHandler(healthRoute, async () => {
  try {
    await documentClient.send(new GetCommand({ TableName: tableName, Key: { PK: 'HEALTH', SK: 'HEALTH' } }));
  } catch (error) {
    logger.warn('Health probe failed', error as Error);
    throw problems.unavailable('The table does not answer yet.');
  }
  return { status: 200, body: { status: 'ok' } };
});
