/** The DynamoDB adapter of the payout store port (./payout-store.ts): the store functions as they are. */
import { getClaim } from './claims.ts';
import { depositPayoutSettledWrites } from './deposits.ts';
import { sortableInstant } from './keys.ts';
import type { PayoutStore } from './payout-store.ts';
import { claimPaidWrites, noFraudFindingCheck, writePayouts, type PayoutWrite } from './payout-writes.ts';
import { claimsByIds, getPayout, merchantPayees, orderBuyerPayees, payoutsDue } from './payouts.ts';

export const dynamoPayoutStore: PayoutStore = {
  getPayout,
  payoutsDue: (now, limitPerShard, capacity) => payoutsDue(sortableInstant(now), limitPerShard, capacity),
  getClaim,
  claimsByIds,
  merchantPayees,
  orderBuyerPayees,
  claimPaidWrites,
  noFraudFindingCheck,
  depositSettledWrites: (payout, at) => depositPayoutSettledWrites(payout, at).map((item) => ({ group: 'deposit', name: 'deposit-settled', item })),
  // The writes this adapter made carry TransactItems: they go back to DynamoDB as they came.
  writePayouts: (writes) => writePayouts(writes as readonly PayoutWrite[]),
};
