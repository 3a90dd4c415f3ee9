/**
 * The deposit reconciliation report (`npm run reconcile`): for each merchant, its account against
 * its journal and against what the payment provider confirmed. Differences it reports (none on a
 * correct system):
 * - the ledger's arithmetic (`ledgerDifferences`: balance = Σ journal, available = balance − held);
 * - every `top-up` movement belongs to a CREDITED top-up of the same amount that the provider
 *   reports paid with that amount, and no top-up is credited twice;
 * - every money-out movement (`withdrawal`, `advance-compensation`, `compensation`) names a payout
 *   of the same amount that is CONFIRMED here and confirmed by the provider, each payout once;
 * - the held amount covers every approved withdrawal not yet paid.
 * It only reads: the journal (Query), the top-ups and payouts it names (GetItem each), the
 * provider's answers. An ops report, run on demand; its cost follows the journal's length.
 */
import type { PaymentProvider } from '#shared/payments/port.ts';
import { ledgerDifferences, type Difference } from '#shared/store/deposit-ledger.ts';
import type { DepositMovement } from '#shared/store/deposit-items.ts';
import { depositJournal, getDepositAccount } from '#shared/store/deposits.ts';
import { getTopUp } from '#shared/store/top-ups.ts';
import { approvedWithdrawalsOf } from '#shared/store/withdrawals.ts';
import { getPayout } from '#shared/store/payouts.ts';

export type { Difference };

async function wholeJournal(merchantId: string): Promise<DepositMovement[]> {
  const all: DepositMovement[] = [];
  let cursor: string | undefined;
  do {
    const page = await depositJournal(merchantId, { limit: 100, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all.reverse();
}

const MONEY_OUT = new Set(['withdrawal', 'advance-compensation', 'compensation']);

/** The differences of one merchant's deposit (empty when everything agrees). */
export async function reconcileMerchant(provider: PaymentProvider, merchantId: string): Promise<Difference[]> {
  const [account, journal, approved] = await Promise.all([getDepositAccount(merchantId), wholeJournal(merchantId), approvedWithdrawalsOf(merchantId)]);
  const differences = ledgerDifferences(
    merchantId,
    account,
    journal.map((m) => m.deltaFen),
  );
  const differ = (kind: string, detail: string, extra: Partial<Difference> = {}) => differences.push({ merchantId, kind, detail, ...extra });

  const seenTopUps = new Set<string>();
  const seenPayouts = new Set<string>();
  for (const movement of journal) {
    if (movement.type === 'top-up') {
      if (!movement.topUpId) {
        differ('top-up-without-payment', `movement ${movement.movementId} credits ${movement.deltaFen} fen with no top-up`, { actual: movement.deltaFen });
        continue;
      }
      if (seenTopUps.has(movement.topUpId)) differ('top-up-credited-twice', `top-up ${movement.topUpId} is in the journal twice`);
      seenTopUps.add(movement.topUpId);
      const [topUp, collected] = await Promise.all([
        getTopUp(movement.topUpId),
        provider.collections ? provider.collections.query(movement.topUpId) : Promise.resolve(undefined),
      ]);
      if (topUp?.status !== 'CREDITED' || topUp.amountFen !== movement.deltaFen) {
        differ('top-up-record', `top-up ${movement.topUpId} is not CREDITED with ${movement.deltaFen} fen`, {
          expected: movement.deltaFen,
          actual: topUp?.amountFen ?? 0,
        });
      }
      if (collected && (collected.status !== 'paid' || collected.amountFen !== movement.deltaFen)) {
        differ('top-up-not-confirmed-by-provider', `the provider reports ${collected.status} for top-up ${movement.topUpId}`, {
          expected: movement.deltaFen,
          actual: collected.status === 'paid' ? collected.amountFen : 0,
        });
      }
    } else if (MONEY_OUT.has(movement.type)) {
      if (!movement.payoutId) {
        differ('money-out-without-payout', `movement ${movement.movementId} takes ${-movement.deltaFen} fen with no payout`, { actual: movement.deltaFen });
        continue;
      }
      if (seenPayouts.has(movement.payoutId)) differ('payout-settled-twice', `payout ${movement.payoutId} is in the journal twice`);
      seenPayouts.add(movement.payoutId);
      const [payout, sent] = await Promise.all([getPayout(movement.payoutId), provider.query(movement.payoutId)]);
      if (payout?.status !== 'CONFIRMED' || payout.amountFen !== -movement.deltaFen) {
        differ('payout-record', `payout ${movement.payoutId} is not CONFIRMED with ${-movement.deltaFen} fen`, {
          expected: -movement.deltaFen,
          actual: payout?.amountFen ?? 0,
        });
      }
      if (sent.outcome !== 'confirmed') differ('payout-not-confirmed-by-provider', `the provider reports ${sent.outcome} for payout ${movement.payoutId}`);
    }
  }
  const promisedFen = approved.reduce((sum, w) => sum + w.amountFen, 0);
  if (account.heldFen < promisedFen) {
    differ('held-below-approved-withdrawals', 'the held amount does not cover the approved withdrawals', { expected: promisedFen, actual: account.heldFen });
  }
  return differences;
}

/** The report over several merchants, one after the other (bounded load on the table and the provider). */
export async function reconcileDeposits(provider: PaymentProvider, merchantIds: readonly string[]): Promise<{ merchants: number; differences: Difference[] }> {
  const differences: Difference[] = [];
  for (const merchantId of merchantIds) differences.push(...(await reconcileMerchant(provider, merchantId)));
  return { merchants: merchantIds.length, differences };
}
