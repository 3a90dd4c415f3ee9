import { ConfigurationError, settings } from '#shared/config.ts';

export { documentClient, dynamoClient } from './dynamo.ts';

/** The service's one table; a handler that uses the store fails at start-up without it. */
const configured = settings().tableName;
if (configured === undefined) throw new ConfigurationError('Environment variable TABLE_NAME is required but not set');
export const tableName: string = configured;
