/** The API's bodies as the console reads them (only the fields it shows or sends on). */

export interface ListPage<T> {
  items: T[];
  nextCursor?: string;
}

export interface Party {
  role: string;
  id?: string;
}

export interface Plan {
  planId: string;
  name: string;
  nameZh: string;
}

export interface Quote {
  eligible: boolean;
  rateBps: number;
  agreementVersion: string;
  gift?: string;
  reasons: { code: string; detail: string }[];
}

export interface Enrollment {
  enrollmentId: string;
  planId: string;
  status: string;
  rateBps: number;
  joinedAt: string;
}

export interface SkuAttributes {
  brand?: string;
  name?: string;
  model?: string;
}

/** The order line a policy insures, as snapshotted at issue. */
export interface InsuredLine {
  lineId?: string;
  skuId?: string;
  skuAttributes?: SkuAttributes;
  quantity?: number;
  paidFen?: number;
  [field: string]: unknown;
}

export interface Policy {
  policyId: string;
  planId: string;
  orderId: string;
  lineId?: string;
  status: string;
  claimId?: string;
  insuredFen: number;
  premiumFen: number;
  coverageStart: string;
  coverageEnd: string;
  insured?: InsuredLine;
}

export interface EvidenceItem {
  type: string;
  uri?: string;
  sha256?: string;
  sizeBytes?: number;
  contentType?: string;
  downloadUrl?: string;
}

export interface HistoryEntry {
  at: string;
  status: string;
  actor: Party;
  note?: string;
}

export interface Claim {
  claimId: string;
  policyId: string;
  planId: string;
  orderId: string;
  status: string;
  amountFen: number;
  submittedAt: string;
  payoutDueBy?: string;
  claimant: Party;
  beneficiary: Party;
  description?: string;
  evidence: EvidenceItem[];
  history: HistoryEntry[];
  basis: { netPaidFen?: number; alreadyCompensatedFen?: number; [field: string]: unknown };
}

export interface Payout {
  payoutId: string;
  claimId?: string;
  withdrawalId?: string;
  status: string;
  amountFen: number;
  dueBy: string;
  attempts: number;
  overdue?: boolean;
  deferred?: boolean;
}

export interface Withdrawal {
  withdrawalId: string;
  status: string;
  amountFen: number;
  reason: string;
  requestedAt: string;
}

export interface Movement {
  movementId: string;
  at: string;
  type: string;
  deltaFen: number;
  actor: Party;
}

export interface Deposit {
  balanceFen: number;
  heldFen: number;
  availableFen: number;
  minimumFen: number;
  withdrawals: Withdrawal[];
  movements: Movement[];
}
