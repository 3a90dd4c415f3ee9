/**
 * The `local` payment provider (npm start, tests): a stand-in for Alipay that keeps its transfers
 * in the table (`keys.localTransfer(outBizNo)`), one per idempotency key — created with
 * `attribute_not_exists`, so a repeated transfer returns the first one, exactly as Alipay does
 * with a repeated `out_biz_no`.
 *
 * It can be told, in-process, to misbehave the ways a real provider does (`setLocalProviderFaults`)
 * so the payout job's recovery is testable: fail, time out with the transfer made (the outcome is
 * unknown to the caller), succeed late (processing until a later instant of the clock), and it
 * logs every call (`localProviderCalls`) so a test can count transfers per payout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { clock } from '#shared/clock.ts';
import { toIso, toMs } from '#shared/rules/time.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { keys } from '#shared/store/keys.ts';
import type { NotSent, PaymentProvider, QueryOutcome, TransferGuard, TransferOutcome, TransferRequest } from './port.ts';

export interface LocalProviderFaults {
  /** The next N transfers are refused (nothing recorded), with `failCode` (default LOCAL_UNAVAILABLE). */
  failNext?: number;
  failCode?: string;
  /** Whether those refusals may be retried (default true). */
  failRetryable?: boolean;
  /** The next N transfers ARE made, but the call then throws a timeout: the caller cannot know. */
  timeoutNext?: number;
  /** The next N transfers are accepted but complete only `lateByMs` later by the clock. */
  lateNext?: number;
  lateByMs?: number;
  /** The next N queries throw a timeout. */
  queryTimeoutNext?: number;
  /** Accounts that do not exist at the provider: refused for good (PAYEE_NOT_EXIST). */
  unknownPayees?: readonly string[];
  /** Real milliseconds every call waits before answering (lets concurrent runs overlap in tests). */
  delayMs?: number;
}

export interface LocalProviderCall {
  kind: 'transfer' | 'query';
  outBizNo: string;
  at: string;
}

/** What the local provider throws when told to time out: the transfer may well have been made. */
export class LocalProviderTimeout extends Error {
  override name = 'LocalProviderTimeout';
  constructor(operation: string) {
    super(`local payment provider: ${operation} timed out`);
  }
}

interface LocalTransfer {
  outBizNo: string;
  transferId: string;
  amountFen: number;
  payeeAccount: string;
  acceptedAt: string;
  completesAt: string;
}

let faults: LocalProviderFaults = {};
const calls: LocalProviderCall[] = [];

/** Replaces the faults the local provider injects (counters count down as calls consume them). */
export function setLocalProviderFaults(next: LocalProviderFaults): void {
  faults = { ...next };
}

/** Back to a well-behaved provider with an empty call log. */
export function resetLocalProvider(): void {
  faults = {};
  calls.length = 0;
}

/** Every call the local provider answered since the last reset, oldest first. */
export function localProviderCalls(): readonly LocalProviderCall[] {
  return [...calls];
}

/** Consumes one of a counted fault; true when it applies to this call. */
function take(fault: 'failNext' | 'timeoutNext' | 'lateNext' | 'queryTimeoutNext'): boolean {
  const left = faults[fault] ?? 0;
  if (left <= 0) return false;
  faults[fault] = left - 1;
  return true;
}

function stateOf(transfer: LocalTransfer, now: number): TransferOutcome {
  return toMs(transfer.completesAt) <= now
    ? { outcome: 'confirmed', providerRef: transfer.transferId, providerPaidAt: transfer.completesAt }
    : { outcome: 'processing', providerRef: transfer.transferId };
}

async function readTransfer(outBizNo: string): Promise<LocalTransfer | undefined> {
  const result = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.localTransfer(outBizNo), ConsistentRead: true }));
  return result.Item as LocalTransfer | undefined;
}

async function transfer(request: TransferRequest, guard?: TransferGuard): Promise<TransferOutcome | NotSent> {
  if (faults.delayMs) await sleep(faults.delayMs);
  // P3: as every adapter, nothing leaves once the sender's lease lapsed (checked last thing before sending).
  if (guard && !guard.mayCall()) return { outcome: 'not-sent' };
  const now = clock.now().getTime();
  calls.push({ kind: 'transfer', outBizNo: request.outBizNo, at: toIso(now) });
  if (take('failNext')) {
    const code = faults.failCode ?? 'LOCAL_UNAVAILABLE';
    return { outcome: 'failed', code, message: `local provider refused the transfer (${code})`, retryable: faults.failRetryable ?? true };
  }
  if (!request.payeeAccount || faults.unknownPayees?.includes(request.payeeAccount)) {
    return { outcome: 'failed', code: 'PAYEE_NOT_EXIST', message: `No account ${JSON.stringify(request.payeeAccount)}`, retryable: false };
  }
  const late = take('lateNext');
  const timesOut = take('timeoutNext');
  let made: LocalTransfer = {
    outBizNo: request.outBizNo,
    transferId: `ltr_${ulid(now)}`,
    amountFen: request.amountFen,
    payeeAccount: request.payeeAccount,
    acceptedAt: toIso(now),
    completesAt: toIso(late ? now + (faults.lateByMs ?? 60_000) : now),
  };
  try {
    await documentClient.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.localTransfer(request.outBizNo), entity: 'LocalTransfer', ...made },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // The same key again: answer with the transfer already made, never a second one.
    made = (await readTransfer(request.outBizNo))!;
    if (made.amountFen !== request.amountFen || made.payeeAccount !== request.payeeAccount) {
      return { outcome: 'failed', code: 'OUT_BIZ_NO_REUSED', message: 'This key was used for a different transfer', retryable: false };
    }
  }
  if (timesOut) throw new LocalProviderTimeout('transfer');
  return stateOf(made, now);
}

async function query(outBizNo: string): Promise<QueryOutcome> {
  if (faults.delayMs) await sleep(faults.delayMs);
  const now = clock.now().getTime();
  calls.push({ kind: 'query', outBizNo, at: toIso(now) });
  if (take('queryTimeoutNext')) throw new LocalProviderTimeout('query');
  const made = await readTransfer(outBizNo);
  return made ? stateOf(made, now) : { outcome: 'not-found' };
}

export const localProvider: PaymentProvider = { name: 'local', transfer, query };
