// The payout store contract on the DynamoDB adapter (DynamoDB Local); test/unit/payouts/
// payout-store-contract.test.ts runs the same cases on the in-memory fake.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { claimItem } from '#shared/store/claims.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { dynamoPayoutStore } from '#shared/store/dynamo-payout-store.ts';
import { keys } from '#shared/store/keys.ts';
import { payoutItem } from '#shared/store/payout-item.ts';
import { describePayoutStoreContract } from '#test/support/payout-store-contract.ts';

const put = (Item: Record<string, unknown>) => documentClient.send(new PutCommand({ TableName: tableName, Item })).then(() => undefined);

describePayoutStoreContract('DynamoDB adapter', () => ({
  store: dynamoPayoutStore,
  putPayout: (payout, dueAt) => put(payoutItem(payout, dueAt === undefined ? payout.createdAt : dueAt)),
  putClaim: (claim) => put(claimItem(claim)),
  putPolicy: ({ claimIds, ...policy }) =>
    put({ ...keys.policy(policy.orderId, policy.planId, policy.lineId), entity: 'Policy', ...policy, ...(claimIds ? { claimIds: new Set(claimIds) } : {}) }),
  putMerchant: (merchantId, profile) => put({ ...keys.merchant(merchantId), entity: 'Merchant', merchantId, ...profile }),
  putOrder: (orderId, order) => put({ ...keys.order(orderId), entity: 'Order', orderId, ...order }),
  readPolicy: async (ref) => {
    const result = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: keys.policy(ref.orderId, ref.planId, ref.lineId), ConsistentRead: true }),
    );
    return result.Item as { status: string; claimedAt?: string } | undefined;
  },
}));
