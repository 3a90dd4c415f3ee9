import { requireEnv } from '#shared/config.ts';

export { documentClient, dynamoClient } from './dynamo.ts';

/** The service's one table; a handler that uses the store fails at start-up without it. */
export const tableName = requireEnv('TABLE_NAME');
