/**
 * The deposit account's read on its own (`DEPOSIT#id / ACCOUNT`), so an action that only reads the
 * balance — join checks the minimum (D1) — does not import the deposit store's write paths (and so
 * needs no grant on them: infra/handlers.ts, test/infra/security.test.ts).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.ts';
import { EMPTY_ACCOUNT, type AccountFigures } from './deposit-ledger.ts';
import { fromItem } from './items.ts';
import { keys } from './keys.ts';

export interface DepositAccount extends AccountFigures {
  merchantId: string;
  /** Bumped by every change: readers can tell two reads apart. 0 while the merchant never paid in. */
  version: number;
  updatedAt?: string;
}

export function accountOf(merchantId: string, item: Record<string, unknown> | undefined): DepositAccount {
  if (!item) return { merchantId, ...EMPTY_ACCOUNT, version: 0 };
  const record = fromItem<Partial<DepositAccount>>(item);
  return {
    merchantId,
    balanceFen: record.balanceFen ?? 0,
    heldFen: record.heldFen ?? 0,
    availableFen: record.availableFen ?? 0,
    version: record.version ?? 0,
    ...(record.updatedAt ? { updatedAt: record.updatedAt } : {}),
  };
}

/** The account: GetItem `PK = DEPOSIT#id, SK = ACCOUNT` (consistent); zeros while nothing was paid in. */
export async function getDepositAccount(merchantId: string): Promise<DepositAccount> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.depositAccount(merchantId), ConsistentRead: true }));
  return accountOf(merchantId, Item);
}
