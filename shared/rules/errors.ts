/**
 * The domain errors: what rules and use cases throw when they refuse (never an HTTP type). Each has
 * a stable `code`, a human title, a detail sentence with the figures that failed and its kind of
 * refusal (`status`: 422 a rule, 409 a conflict, 404 hidden or missing …). The HTTP edge maps them
 * in one place (`shared/http/problem.ts` `domainProblem`) to RFC 9457 problem responses
 * `{type, title, status, code, detail, errors?, basis?}`; the event path records them as rejections.
 */

export interface ViolationInit {
  code: string;
  title: string;
  detail: string;
  /** HTTP status; 422 unless the violation is a conflict (409) or a hidden resource (404). */
  status?: number;
  /** The figures that failed, e.g. `{rule: 'C2', paidAt, windowEnd, proofPlacedAt}`. */
  basis?: Record<string, unknown>;
  /** The input fields at fault, e.g. `{path: 'body.amountFen', message: 'INSUFFICIENT_DEPOSIT: …'}`. */
  fields?: readonly FieldFault[];
}

/** One input field at fault (the problem body's `errors[]`). */
export interface FieldFault {
  path: string;
  message: string;
}

/** A business rule refused the request (an expected outcome, answered 4xx). */
export class RuleViolation extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly basis?: Record<string, unknown>;
  readonly fields?: readonly FieldFault[];

  constructor(init: ViolationInit) {
    super(init.detail);
    this.name = 'RuleViolation';
    this.code = init.code;
    this.status = init.status ?? 422;
    this.title = init.title;
    this.detail = init.detail;
    this.basis = init.basis;
    if (init.fields) this.fields = init.fields;
  }
}

/**
 * A resource that does not exist — or that the caller may not see, answered the same way so its
 * existence is never revealed (404). The one way to say "not found" (`violation('NOT_FOUND')` is this).
 */
export class NotFound extends RuleViolation {
  /** `new NotFound('Claim clm_1')` → "Claim clm_1 was not found."; `detail` replaces that sentence. */
  constructor(what: string, detail = `${what} was not found.`, basis?: Record<string, unknown>) {
    super({ code: 'NOT_FOUND', status: 404, title: 'Not found', detail, ...(basis ? { basis } : {}) });
    this.name = 'NotFound';
  }
}

/** What the request read changed before its write (another writer won): read again and retry (409). */
export class Conflict extends RuleViolation {
  constructor(detail: string, basis?: Record<string, unknown>) {
    super({ code: 'CONFLICT', status: 409, title: 'Conflict', detail, ...(basis ? { basis } : {}) });
    this.name = 'Conflict';
  }
}

/** The caller's role may not do this at all (403). Another party's resource is NotFound instead. */
export class Forbidden extends RuleViolation {
  constructor(detail: string) {
    super({ code: 'FORBIDDEN', status: 403, title: 'Not allowed for this role', detail });
    this.name = 'Forbidden';
  }
}

/** Input the schema let through but a use case cannot take, field by field (400). */
export class InvalidInput extends RuleViolation {
  constructor(fields: readonly FieldFault[], detail = 'The request is malformed; see errors for each field.') {
    super({ code: 'VALIDATION_FAILED', status: 400, title: 'The request is not valid', detail, fields });
    this.name = 'InvalidInput';
  }
}

/** A dependency the use case needs is not available (503): the request can succeed later. */
export class Unavailable extends RuleViolation {
  constructor(code: string, title: string, detail: string) {
    super({ code, status: 503, title, detail });
    this.name = 'Unavailable';
  }
}

/** A state-machine transition that the lifecycle does not allow (A2, A4, X3): 409. */
export class IllegalTransition extends RuleViolation {
  constructor(machine: string, from: string, action: string, actor: { role: string; id?: string }) {
    super({
      code: 'ILLEGAL_TRANSITION',
      status: 409,
      title: 'Transition not allowed',
      detail: `A ${machine} in status ${from} cannot take the action "${action}" by ${actor.role}.`,
      basis: { machine, from, action, actor },
    });
    this.name = 'IllegalTransition';
  }
}

/**
 * A working-day computation reached a date that no holiday calendar covers (P2). This is an
 * operator problem (supply the year's calendar in configuration), not a refusal of the user's
 * request, hence its own class and 503: the request can succeed once the calendar is supplied.
 */
export class CalendarNotCovered extends Error {
  readonly code = 'CALENDAR_NOT_COVERED';
  readonly status = 503;
  readonly title = 'Holiday calendar not available';
  readonly detail: string;
  readonly basis: { date: string; coveredYears: readonly number[] };

  constructor(date: string, coveredYears: readonly number[]) {
    const detail =
      `No working-day calendar covers ${date}; covered years: ${describeYears(coveredYears)}. ` + 'An operator must supply the calendar for that year.';
    super(detail);
    this.name = 'CalendarNotCovered';
    this.detail = detail;
    this.basis = { date, coveredYears };
  }
}

/** Configuration that would break a rule (e.g. a live plan rate above 20 bp): fails at start-up. */
export class ConfigError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(`Invalid rules configuration at ${path}: ${message}`);
    this.name = 'ConfigError';
    this.path = path;
  }
}

/** "2004–2026, 2027" — consecutive years collapsed into ranges. */
function describeYears(years: readonly number[]): string {
  const ranges: string[] = [];
  let start = years[0];
  for (let i = 0; i < years.length; i += 1) {
    const year = years[i]!;
    const next = years[i + 1];
    if (next !== year + 1) {
      ranges.push(start === year ? `${year}` : `${start}–${year}`);
      start = next;
    }
  }
  return ranges.length > 0 ? ranges.join(', ') : 'none';
}

/** Titles (and non-422 statuses) of every rule code this package produces. */
const CODES = {
  // Join (J)
  MERCHANT_PENALIZED: { title: 'Merchant has an active penalty' },
  AGREEMENT_NOT_ACCEPTED: { title: 'Agreement not accepted' },
  LIVE_BASE_REQUIRED: { title: 'A live-stream base is required' },
  CATEGORY_NOT_COVERED: { title: 'No covered category' },
  CAMPAIGN_REQUIRED: { title: 'A campaign is required' },
  CAMPAIGN_ENDED: { title: 'The campaign has ended' },
  GIFT_REQUIRED: { title: 'The plan can only be gifted' },
  PLAN_NOT_PURCHASABLE: { title: 'Plan not purchasable' },
  ALREADY_ENROLLED: { title: 'Already enrolled', status: 409 },
  ENROLLMENT_NOT_ACTIVE: { title: 'Enrollment not active', status: 409 },
  // Issuance (I)
  ORDER_NOT_PAID: { title: 'Order not paid' },
  COVERAGE_ENDED: { title: 'Coverage has already ended' },
  POLICY_EXISTS: { title: 'Policy already issued', status: 409 },
  PURCHASE_WINDOW_CLOSED: { title: 'Cover can no longer be bought' },
  REFUND_EXCEEDS_PAID: { title: 'Refund larger than what was paid' },
  // Claims (C) and adjudication (A)
  NOT_FOUND: { title: 'Not found', status: 404 },
  POLICY_NOT_ACTIVE: { title: 'Policy not active' },
  AUTOMATIC_CLAIM_ONLY: { title: 'Claims on this plan are created automatically' },
  LINE_NOT_FOUND: { title: 'Order line not covered by the policy' },
  CLAIM_EXISTS: { title: 'A claim already exists', status: 409 },
  CLAIM_LIMIT_REACHED: { title: 'No more claims on this policy line', status: 409 },
  ALREADY_COMPENSATED: { title: 'The loss was already compensated' },
  OUTSIDE_WINDOW: { title: 'Outside the claim window' },
  PROOF_ORDER_REQUIRED: { title: 'A proof order is required' },
  PROOF_ORDER_NOT_FOUND: { title: 'Proof order not found' },
  PROOF_ORDER_PAID: { title: 'Proof order was paid' },
  PROOF_ORDER_MISMATCH: { title: 'Proof order does not match' },
  NO_PRICE_DROP: { title: 'No price drop' },
  EVIDENCE_REQUIRED: { title: 'Evidence required' },
  REASON_CODE_REQUIRED: { title: 'A reason code is required' },
  // Deposit (D)
  INVALID_AMOUNT: { title: 'Invalid amount' },
  INSUFFICIENT_DEPOSIT: { title: 'Insufficient deposit' },
  OPEN_CLAIMS: { title: 'Claims are still open' },
  FRAUD_FINDING: { title: 'Deposit forfeited for fraud' },
  WITHDRAWAL_NOT_ALLOWED: { title: 'Withdrawal not allowed' },
  ADVANCE_NOT_ALLOWED: { title: 'Advance compensation not allowed' },
  DEPOSIT_BELOW_MINIMUM: { title: 'The deposit would be below the minimum' },
  VIOLATION_RECORD: { title: 'The merchant has a violation record' },
  PAYEE_UNPAYABLE: { title: 'The payee cannot be paid' },
  TOP_UP_NOT_PENDING: { title: 'The top-up is no longer payable', status: 409 },
  ADVANCE_EXISTS: { title: 'Already advance-compensated', status: 409 },
  IDEMPOTENCY_KEY_REUSED: { title: 'Idempotency key reused' },
  INVALID_SIGNATURE: { title: 'Invalid signature', status: 400 },
  COMPENSATION_EXCEEDS_NET_PAID: { title: "The compensation exceeds what remains of the line's net paid" },
} as const satisfies Record<string, { title: string; status?: number }>;

export type RuleCode = keyof typeof CODES | 'ILLEGAL_TRANSITION';

/** Builds the violation for a rule code with its standard title and status. */
export function violation(code: keyof typeof CODES, detail: string, basis?: Record<string, unknown>): RuleViolation {
  if (code === 'NOT_FOUND') return new NotFound('', detail, basis);
  const entry: { title: string; status?: number } = CODES[code];
  return new RuleViolation({ code, title: entry.title, detail, status: entry.status, basis });
}

/** A refusal reason as a plain value (quotes list every failing reason). */
export interface Reason {
  code: string;
  title: string;
  detail: string;
  basis?: Record<string, unknown>;
}

export function toReason(v: RuleViolation): Reason {
  const reason: Reason = { code: v.code, title: v.title, detail: v.detail };
  if (v.basis) reason.basis = v.basis;
  return reason;
}
