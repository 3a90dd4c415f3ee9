import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, type DynamoDbLocal } from '#shared/local/dynamodb-local.ts';

/**
 * One in-memory DynamoDB Local for the whole integration run; each test file gets its own table
 * (see setup-table.ts), so files never see each other's items.
 */
let db: DynamoDbLocal | undefined;

export async function setup(project: TestProject) {
  db = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', db.endpoint);
}

export async function teardown() {
  await db?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
