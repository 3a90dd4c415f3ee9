import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTable } from '#shared/local/dynamodb-local.ts';

// Runs before each integration test file's own imports, so handler modules that read
// TABLE_NAME at module scope see this file's fresh table.
const endpoint = inject('dynamoEndpoint');
const tableName = `test-${randomUUID().slice(0, 8)}`;
process.env['DYNAMODB_ENDPOINT'] = endpoint;
process.env['TABLE_NAME'] = tableName;
process.env['AWS_REGION'] = 'local';
await ensureTable(endpoint, tableName);
