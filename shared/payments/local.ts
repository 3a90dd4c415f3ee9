/**
 * The `local` payment provider (npm start, tests): a stand-in for Alipay that keeps its transfers
 * in the table (`keys.localTransfer(outBizNo)`), one per idempotency key — created with
 * `attribute_not_exists`, so a repeated transfer returns the first one, exactly as Alipay does
 * with a repeated `out_biz_no`. `LOCAL_PAY_LEDGER=memory` keeps them in the process instead (the
 * benchmark: Alipay's books are not Baozhang's table, nor its database's work).
 *
 * It can be told, in-process, to misbehave the ways a real provider does (`setLocalProviderFaults`)
 * so the payout job's recovery is testable: fail, time out with the transfer made (the outcome is
 * unknown to the caller), succeed late (processing until a later instant of the clock), and it
 * logs every call (`localProviderCalls`) so a test can count transfers per payout.
 *
 * Collections (D4): `create` opens a collection (`keys.localCollection(outTradeNo)`, one per key)
 * whose instruction is a link to the local payment page that `npm start` serves
 * (shared/local/pay-page.ts, `/local-pay/{topUpId}`). Paying there (`payLocalCollection`) marks it
 * paid and yields the notification a real provider would send: a form body signed with
 * HMAC-SHA256 under `LOCAL_PAYMENT_SECRET` (local only), which `verifyNotification` checks.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConfigurationError, optionalEnv } from '#shared/config.ts';
import { ulid } from 'ulid';
import { clock } from '#shared/clock.ts';
import { toIso, toMs } from '#shared/rules/time.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { keys, type TableKey } from '#shared/store/keys.ts';
import {
  fenToYuan,
  type CollectionPort,
  type NotSent,
  type TransferGuard,
  type CollectionRequest,
  type CollectionStatus,
  type PaymentInstruction,
  type PaymentProvider,
  type QueryOutcome,
  type RawNotification,
  type TransferOutcome,
  type TransferRequest,
} from './port.ts';

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

/** Where the local provider keeps its transfers, one per key: `create` returns the one already there, if any. */
interface TransferLedger {
  read(outBizNo: string): Promise<LocalTransfer | undefined>;
  create(transfer: LocalTransfer): Promise<LocalTransfer>;
}

/**
 * One record per key, as Alipay keeps one transfer per `out_biz_no` and one collection per
 * `out_trade_no`: `record` is put under `key` unless an item is there already (`attribute_not_exists`).
 * Returns whether it was put; when not, the caller reads the one there.
 */
async function putOnce(key: TableKey, entity: string, record: object): Promise<boolean> {
  try {
    await documentClient.send(new PutCommand({ TableName: tableName, Item: { ...key, entity, ...record }, ConditionExpression: 'attribute_not_exists(PK)' }));
    return true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return false;
  }
}

/** The table (`keys.localTransfer`): what `npm start` and the tests use, so transfers outlive the process. */
const tableLedger: TransferLedger = {
  async read(outBizNo) {
    const result = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.localTransfer(outBizNo), ConsistentRead: true }));
    return result.Item as LocalTransfer | undefined;
  },
  async create(transfer) {
    return (await putOnce(keys.localTransfer(transfer.outBizNo), 'LocalTransfer', transfer)) ? transfer : (await tableLedger.read(transfer.outBizNo))!;
  },
};

/**
 * This process's memory (`LOCAL_PAY_LEDGER=memory`): the benchmark's choice, where the provider
 * stands for Alipay, whose books are kept on Alipay's machines and never in Baozhang's table.
 */
const memoryTransfers = new Map<string, LocalTransfer>();
const memoryLedger: TransferLedger = {
  read: async (outBizNo) => memoryTransfers.get(outBizNo),
  create: async (transfer) => {
    const made = memoryTransfers.get(transfer.outBizNo) ?? transfer;
    memoryTransfers.set(transfer.outBizNo, made);
    return made;
  },
};

const LEDGERS: Record<string, TransferLedger> = { table: tableLedger, memory: memoryLedger };

function ledger(): TransferLedger {
  const name = optionalEnv('LOCAL_PAY_LEDGER', 'table');
  const found = LEDGERS[name];
  if (!found) throw new ConfigurationError(`LOCAL_PAY_LEDGER must be table or memory, not ${JSON.stringify(name)}`);
  return found;
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
  // The same key again answers with the transfer already made, never a second one.
  made = await ledger().create(made);
  if (made.amountFen !== request.amountFen || made.payeeAccount !== request.payeeAccount) {
    return { outcome: 'failed', code: 'OUT_BIZ_NO_REUSED', message: 'This key was used for a different transfer', retryable: false };
  }
  if (timesOut) throw new LocalProviderTimeout('transfer');
  return stateOf(made, now);
}

async function query(outBizNo: string): Promise<QueryOutcome> {
  if (faults.delayMs) await sleep(faults.delayMs);
  const now = clock.now().getTime();
  calls.push({ kind: 'query', outBizNo, at: toIso(now) });
  if (take('queryTimeoutNext')) throw new LocalProviderTimeout('query');
  const made = await ledger().read(outBizNo);
  return made ? stateOf(made, now) : { outcome: 'not-found' };
}

// ---------------------------------------------------------------------------------------------
// Collections (D4)
// ---------------------------------------------------------------------------------------------

/** The local stand-in's signing secret (never used outside npm start and tests). */
export const DEFAULT_LOCAL_PAYMENT_SECRET = 'baozhang-local-payment-secret';
const paymentSecret = () => optionalEnv('LOCAL_PAYMENT_SECRET', DEFAULT_LOCAL_PAYMENT_SECRET);
/** Where npm start serves the payment page and the API (read per call: tests start runtimes on other ports). */
export const localPayBaseUrl = () => optionalEnv('LOCAL_PAY_BASE_URL', `http://127.0.0.1:${optionalEnv('PORT', '3000')}`);

export interface LocalCollection {
  outTradeNo: string;
  amountFen: number;
  subject: string;
  expiresAt: string;
  notifyUrl: string;
  status: 'pending' | 'paid';
  createdAt: string;
  tradeNo?: string;
  paidAt?: string;
}

/** A collection that can no longer be paid: expired, or another amount under the same key. */
export class LocalCollectionClosed extends Error {
  override name = 'LocalCollectionClosed';
}

export async function readLocalCollection(outTradeNo: string): Promise<LocalCollection | undefined> {
  const result = await documentClient.send(new GetCommand({ TableName: tableName, Key: keys.localCollection(outTradeNo), ConsistentRead: true }));
  return result.Item ? (result.Item as LocalCollection) : undefined;
}

/** `"123.45"` → 12345: the yuan string of a notification to integer fen, without floating point. */
export function yuanToFen(yuan: string): number | undefined {
  const match = /^(\d{1,13})\.(\d{2})$/.exec(yuan);
  return match ? Number(match[1]) * 100 + Number(match[2]) : undefined;
}

/** The canonical string a local notification signs: its fields but `sign`, sorted, `k=v` joined by `&`. */
function canonical(fields: Record<string, string>): string {
  return Object.keys(fields)
    .filter((key) => key !== 'sign')
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join('&');
}

export function signLocalFields(fields: Record<string, string>, secret = paymentSecret()): string {
  return createHmac('sha256', secret).update(canonical(fields)).digest('hex');
}

/** The notification the local provider sends for a paid collection: an Alipay-like signed form body. */
export function localNotificationBody(collection: LocalCollection, secret = paymentSecret()): string {
  const fields: Record<string, string> = {
    notify_id: `ntf_${collection.tradeNo ?? ''}`,
    out_trade_no: collection.outTradeNo,
    trade_no: collection.tradeNo ?? '',
    trade_status: 'TRADE_SUCCESS',
    total_amount: fenToYuan(collection.amountFen),
    gmt_payment: collection.paidAt ?? '',
  };
  return new URLSearchParams({ ...fields, sign: signLocalFields(fields, secret) }).toString();
}

async function createCollection(request: CollectionRequest): Promise<PaymentInstruction> {
  const base = localPayBaseUrl();
  const collection: LocalCollection = {
    outTradeNo: request.outTradeNo,
    amountFen: request.amountFen,
    subject: request.subject,
    expiresAt: request.expiresAt,
    notifyUrl: request.notifyUrl ?? `${base}/v1/payments/local/notifications`,
    status: 'pending',
    createdAt: toIso(clock.now().getTime()),
  };
  if (!(await putOnce(keys.localCollection(request.outTradeNo), 'LocalCollection', collection))) {
    // The same key again: the same instruction, as Alipay answers a repeated out_trade_no.
    const known = await readLocalCollection(request.outTradeNo);
    if (known && known.amountFen !== request.amountFen) throw new LocalCollectionClosed(`out_trade_no ${request.outTradeNo} was opened for another amount`);
  }
  return { provider: 'local', paymentId: request.outTradeNo, payUrl: `${base}/local-pay/${encodeURIComponent(request.outTradeNo)}` };
}

function collectionStatus(collection: LocalCollection | undefined, outTradeNo: string, now: number): CollectionStatus {
  if (!collection) return { status: 'not-found', outTradeNo };
  if (collection.status === 'paid') {
    return {
      status: 'paid',
      outTradeNo,
      amountFen: collection.amountFen,
      providerRef: collection.tradeNo ?? '',
      ...(collection.paidAt ? { paidAt: collection.paidAt } : {}),
    };
  }
  return toMs(collection.expiresAt) <= now ? { status: 'closed', outTradeNo } : { status: 'pending', outTradeNo };
}

async function queryCollection(outTradeNo: string): Promise<CollectionStatus> {
  return collectionStatus(await readLocalCollection(outTradeNo), outTradeNo, clock.now().getTime());
}

async function verifyNotification(notification: RawNotification): Promise<CollectionStatus | null> {
  const params = new URLSearchParams(notification.body);
  const fields = Object.fromEntries(params.entries());
  const sign = fields['sign'];
  if (!sign || !/^[0-9a-f]{64}$/.test(sign)) return null;
  const expected = Buffer.from(signLocalFields(fields), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(sign, 'hex'))) return null;
  const outTradeNo = fields['out_trade_no'] ?? '';
  const amountFen = yuanToFen(fields['total_amount'] ?? '');
  if (!outTradeNo || amountFen === undefined) return null;
  if (fields['trade_status'] !== 'TRADE_SUCCESS') return { status: 'pending', outTradeNo };
  return { status: 'paid', outTradeNo, amountFen, providerRef: fields['trade_no'] ?? '', ...(fields['gmt_payment'] ? { paidAt: fields['gmt_payment'] } : {}) };
}

/**
 * The payer pays on the local payment page: the collection pending → paid while it is open (a
 * repeat answers the same payment), and the notification the provider would now send.
 */
export async function payLocalCollection(outTradeNo: string): Promise<{ collection: LocalCollection; notification: string }> {
  const now = clock.now().getTime();
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.localCollection(outTradeNo),
        UpdateExpression: 'SET #status = :paid, tradeNo = :tradeNo, paidAt = :at',
        ConditionExpression: '#status = :pending AND expiresAt > :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':paid': 'paid', ':pending': 'pending', ':tradeNo': `ltd_${ulid(now)}`, ':at': toIso(now), ':now': toIso(now) },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  const collection = await readLocalCollection(outTradeNo);
  if (collection?.status !== 'paid') throw new LocalCollectionClosed(`Payment ${outTradeNo} is not open for payment`);
  return { collection, notification: localNotificationBody(collection) };
}

const localCollections: CollectionPort = {
  create: createCollection,
  query: queryCollection,
  verifyNotification: async (notification) => verifyNotification(notification),
  acknowledgement: 'success',
};

export const localProvider: PaymentProvider = { name: 'local', transfer, query, collections: localCollections };
