/**
 * The payment-provider port (P3): how the payout job moves money, whoever moves it. Two adapters
 * implement it — `local` (records transfers in the table; the default for npm start and tests)
 * and `alipay` (Alipay OpenAPI v3 on `fetch` and `node:crypto`, ./alipay.ts) — selected by configuration
 * in ./provider.ts.
 *
 * The contract every adapter keeps:
 * - `outBizNo` (the payout id) is the provider's idempotency key: a transfer repeated with the
 *   same key never moves money twice;
 * - a provider answer is returned as an outcome, never thrown; a thrown error (a timeout, a
 *   dropped connection, a bug) means the outcome is UNKNOWN: the money may or may not have moved,
 *   so the caller must `query` before sending again, never resend blindly.
 */

/**
 * An Alipay payee (P4): a 2088… user id, or a logon id (account, e-mail, phone) with the holder's
 * real name, which Alipay checks against the account.
 */
export interface Payee {
  identity: string;
  identityType: 'ALIPAY_USER_ID' | 'ALIPAY_LOGON_ID';
  /** The payee's real name: required with a logon id. */
  name?: string;
}

export interface TransferRequest {
  /** The payout id: the idempotency key at the provider (Alipay `out_biz_no`). */
  outBizNo: string;
  /** Integer fen; adapters convert without floats. */
  amountFen: number;
  /** Where the money goes (P4); never guessed. */
  payee: Payee;
  /** `payee.identity`, for adapters that key transfers on a bare account (the local provider). */
  payeeAccount: string;
  /** Shown to the payee with the transfer (Alipay `order_title`). */
  title: string;
}

/** The transfer is done: the money is in the payee's account. */
export interface Confirmed {
  outcome: 'confirmed';
  /** The provider's own id of the transfer (Alipay `order_id`). */
  providerRef: string;
  /** When the provider says it paid, as it says it (ISO with offset), if it says. */
  providerPaidAt?: string;
}

/** The provider accepted the transfer and is still working on it: ask again later. */
export interface Processing {
  outcome: 'processing';
  providerRef?: string;
}

/** The provider refused or failed the transfer: no money moved. */
export interface Failed {
  outcome: 'failed';
  code: string;
  message: string;
  /** Whether sending again (same key) later may succeed: balance, limits, a refused signature … */
  retryable: boolean;
}

/** Nobody knows whether money moved (timeout, provider system error): query before anything else. */
export interface Unknown {
  outcome: 'unknown';
  reason: string;
}

/** The provider has no transfer under this key: it never arrived, so sending it is safe. */
export interface NotFound {
  outcome: 'not-found';
}

export type TransferOutcome = Confirmed | Processing | Failed | Unknown;
export type QueryOutcome = Confirmed | Processing | Failed | Unknown | NotFound;

/** What a sender hands the adapter with a transfer (P3). */
export interface TransferGuard {
  /**
   * Whether the sender may still call the provider: checked by the adapter right before the
   * request leaves (after any configuration or SDK loading), so a sender whose lease lapsed
   * meanwhile never calls. When false the adapter sends nothing and answers `not-sent`.
   */
  mayCall(): boolean;
}

/** The adapter sent nothing: the sender's guard said it may no longer call. */
export interface NotSent {
  outcome: 'not-sent';
}

export interface PaymentProvider {
  readonly name: 'local' | 'alipay';
  /**
   * The longest one provider call can last, all timeouts and the client's own resend included
   * (ms): a request still in flight reaches the provider within it. 0 when calls cannot hang.
   */
  readonly maxCallMs?: number;
  /** Sends a transfer; idempotent on `outBizNo`. */
  transfer(request: TransferRequest, guard?: TransferGuard): Promise<TransferOutcome | NotSent>;
  /** What became of the transfer sent under `outBizNo`. */
  query(outBizNo: string): Promise<QueryOutcome>;
  /** The other direction (D4): money in. Optional only until every adapter implements it. */
  readonly collections?: CollectionPort;
}

/*
 * Collections (D4): a deposit top-up is money the merchant pays in, confirmed by the provider.
 * The top-up id is the provider's idempotency key (Alipay `out_trade_no`): starting the same
 * collection twice gives the same payment instruction, and it is credited at most once.
 */

export interface CollectionRequest {
  /** The top-up id: the idempotency key at the provider (Alipay `out_trade_no`). */
  outTradeNo: string;
  /** Integer fen; adapters convert without floats. */
  amountFen: number;
  /** Shown to the payer (Alipay `subject`). */
  subject: string;
  /** When the instruction stops being payable (ISO with offset); the provider closes it then. */
  expiresAt: string;
  /** Where the provider sends its asynchronous notification (absolute URL), when it sends one. */
  notifyUrl?: string;
}

/** What the payer is told to do: the `payment` object of a PENDING top-up. */
export interface PaymentInstruction {
  provider: 'local' | 'alipay';
  /** The provider's id for this collection; equals the top-up id (outTradeNo). */
  paymentId: string;
  /** A page where the payer pays (local payment page, Alipay cashier). */
  payUrl?: string;
  /** A QR code payload (Alipay precreate), when the provider gives one. */
  qrCode?: string;
}

/** What the provider says of a collection, from a verified notification or a query. */
export type CollectionStatus =
  | { status: 'paid'; outTradeNo: string; amountFen: number; providerRef: string; paidAt?: string }
  | { status: 'pending'; outTradeNo: string }
  | { status: 'closed'; outTradeNo: string }
  | { status: 'not-found'; outTradeNo: string }
  /** Nobody knows (timeout, system error, a response whose signature did not verify). */
  | { status: 'unknown'; outTradeNo: string; reason: string };

/** An inbound notification as received over HTTP, before any verification. */
export interface RawNotification {
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received (Alipay: application/x-www-form-urlencoded). */
  body: string;
}

export interface CollectionPort {
  /** Starts (or, for the same outTradeNo, repeats) a collection and returns the payer's instruction. */
  create(request: CollectionRequest): Promise<PaymentInstruction>;
  /** What became of the collection `outTradeNo`. */
  query(outTradeNo: string): Promise<CollectionStatus>;
  /**
   * Verifies a notification's signature and reads it. `null` when it does not verify (forged,
   * altered, another app's): the caller changes nothing and logs it.
   */
  verifyNotification(notification: RawNotification): Promise<CollectionStatus | null>;
  /** The body the provider expects once a notification was handled (Alipay: `success`). */
  readonly acknowledgement: string;
}

/**
 * Integer fen → the yuan string providers take, with exactly two decimals and no floating point
 * anywhere: 12345 → "123.45", 5 → "0.05".
 */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`Not an amount in fen: ${fen}`);
  const digits = String(fen).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
