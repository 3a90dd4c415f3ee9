// The payout store contract on the in-memory fake; test/integration/payout-store-contract.test.ts
// runs the same cases on DynamoDB Local.
import { MemoryPayoutStore } from '#test/support/memory-payout-store.ts';
import { describePayoutStoreContract } from '#test/support/payout-store-contract.ts';

describePayoutStoreContract('in-memory fake', () => {
  const store = new MemoryPayoutStore();
  return {
    store,
    putPayout: async (payout, dueAt) => store.putPayout(payout, dueAt),
    putClaim: async (claim) => store.putClaim(claim),
    putPolicy: async (policy) => store.putPolicy(policy),
    putMerchant: async (merchantId, profile) => store.putMerchant(merchantId, profile),
    putOrder: async (orderId, order) => store.putOrder(orderId, order),
    readPolicy: async (ref) => store.policies.get(`${ref.orderId}/${ref.planId}/${ref.lineId ?? ''}`),
  };
});
