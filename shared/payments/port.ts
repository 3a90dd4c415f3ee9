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

export interface TransferRequest {
  /** The payout id: the idempotency key at the provider (Alipay `out_biz_no`). */
  outBizNo: string;
  /** Integer fen; adapters convert without floats. */
  amountFen: number;
  /** Where the money goes: an Alipay logon id (account, e-mail, phone) or a 2088… user id. */
  payeeAccount: string;
  /** The payee's real name, when known (Alipay checks it against a logon id). */
  payeeName?: string;
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

export interface PaymentProvider {
  readonly name: 'local' | 'alipay';
  /** Sends a transfer; idempotent on `outBizNo`. */
  transfer(request: TransferRequest): Promise<TransferOutcome>;
  /** What became of the transfer sent under `outBizNo`. */
  query(outBizNo: string): Promise<QueryOutcome>;
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
