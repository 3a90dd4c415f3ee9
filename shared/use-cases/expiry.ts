/**
 * The expiry job (X1–X4). Steps, repeated while due items remain and time allows:
 * 1. read only what is due (X4): policies whose window ended (DueIndex `EXPIRE#n`) and claims
 *    past their NEEDS_INFO lapse instant (`LAPSE#n`), every shard, in parallel;
 * 2. let the rules confirm each one (`isPolicyDue`, `isClaimDueToLapse`);
 * 3. write each change conditionally, at most `EXPIRY_CONCURRENCY` writes in flight: ACTIVE →
 *    EXPIRED (X1), up to 25 policies per transaction (each still conditioned on being ACTIVE, each
 *    with its event), and NEEDS_INFO → LAPSED (X3), one claim per write. Each write removes the
 *    item's due entry, so no run ever reads it again.
 * X2 needs nothing here: return-shipping cover gets its due entry once its end is known
 * (`setCoverageEnd`, from the order events).
 */
import { settings } from '#shared/config.ts';
import { logger } from '#shared/logger.ts';
import { rulesConfig } from '#shared/rules-config.ts';
import { isClaimDueToLapse, isPolicyDue, toMs } from '#shared/rules/index.ts';
import { claimsDueToLapse, type StoredClaim } from '#shared/store/claims.ts';
import type { ReadCapacity } from '#shared/store/due.ts';
import { sortableInstant } from '#shared/store/keys.ts';
import { EXPIRE_BATCH, expirePolicies, policiesDueToExpire, type StoredPolicy } from '#shared/store/policies.ts';
import { lapseClaim } from './claims.ts';

export interface ExpiryResult {
  job: 'expiry';
  /** Due items read and decided. */
  processed: number;
  /** Policies that became EXPIRED (X1, X2). */
  expired: number;
  /** Claims that became LAPSED (X3). */
  lapsed: number;
  /** Items whose write failed unexpectedly; logged, and read again by the next run. */
  failed: number;
  /** Read capacity the due-item queries consumed (X4: follows the due items, not the table). */
  readCapacityUnits: number;
}

export interface ExpiryOptions {
  /** Milliseconds the invocation has left (the Lambda context's); the run stops below 10 s. */
  remainingMs?: () => number;
  /** Due items read per shard and round. */
  pageSize?: number;
  concurrency?: number;
}

/** Items written at once by a run (`EXPIRY_CONCURRENCY`, default 8). */
export const expiryConcurrency = settings().expiryConcurrency;

/** Leave this much of the invocation for the writes in flight and the response. */
const STOP_WHEN_REMAINING_MS = 10_000;

export async function runExpiry(now: string, options: ExpiryOptions = {}): Promise<ExpiryResult> {
  const { remainingMs = () => Number.POSITIVE_INFINITY, pageSize = 100, concurrency = expiryConcurrency } = options;
  let readCapacityUnits = 0;
  const capacity: ReadCapacity = { add: (units) => (readCapacityUnits += units) };
  // Windows are inclusive of their last instant: due means strictly before now.
  const cutoff = sortableInstant(toMs(now) - 1);
  const result = { processed: 0, expired: 0, lapsed: 0, failed: 0 };
  // An item a write could not move (changed meanwhile) keeps its entry; read it once per run only.
  const seen = new Set<string>();

  while (remainingMs() >= STOP_WHEN_REMAINING_MS) {
    const [policies, claims] = await Promise.all([policiesDueToExpire(cutoff, pageSize, capacity), claimsDueToLapse(cutoff, pageSize, capacity)]);
    const freshPolicies = fresh(policies, (p) => `policy:${p.policyId}`, seen);
    const freshClaims = fresh(claims, (c) => `claim:${c.claimId}`, seen);
    if (freshPolicies.length + freshClaims.length === 0) break;
    result.processed += freshPolicies.length + freshClaims.length;
    const onError = (error: unknown) => {
      result.failed += 1;
      logger.error('Expiry item failed', error as Error);
    };
    const due = freshPolicies.filter((policy) => isPolicyDue(policy, now, rulesConfig));
    const work: (() => Promise<void>)[] = [
      ...chunks(due, EXPIRE_BATCH).map((batch) => async () => {
        const expired = await expirePolicies(batch, now, onError); // not `+= await`: that reads the count before waiting
        result.expired += expired.length;
      }),
      ...freshClaims.map((claim: StoredClaim) => async () => {
        if (isClaimDueToLapse(claim, now, rulesConfig) && (await lapseClaim(claim, now))) result.lapsed += 1;
      }),
    ];
    await inParallel(work, concurrency, onError);
  }
  return { job: 'expiry', ...result, readCapacityUnits };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function fresh<T extends StoredPolicy | StoredClaim>(items: readonly T[], id: (item: T) => string, seen: Set<string>): T[] {
  return items.filter((item) => {
    const key = id(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Runs the tasks with at most `limit` in flight; one task's failure does not stop the others. */
async function inParallel(tasks: readonly (() => Promise<void>)[], limit: number, onError: (error: unknown) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task().catch(onError);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
