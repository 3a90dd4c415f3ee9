import * as z from 'zod/mini';
import * as s from './schemas.ts';

/**
 * The named schemas of the contract. A schema registered here becomes
 * `#/components/schemas/<id>` in the OpenAPI document, and every route that uses it, however
 * deeply, refers to it by `$ref` — so a generated client gets one named type per shape (`Policy`,
 * `Claim`…) instead of an anonymous copy per operation. A new shape is named by adding it to
 * `NAMED`. Only the openapi handler imports this module, so no other Lambda bundles the registry.
 */
export const apiComponents = z.registry<{ id: string; description?: string }>();

const NAMED: [z.ZodMiniType, string, string][] = [
  [s.ProblemSchema, 'Problem', 'RFC 9457 problem details (application/problem+json): every error, with a stable `code`'],
  [s.JsonValueSchema, 'JsonValue', 'Any JSON value'],
  [s.BasisSchema, 'Basis', 'The figures an amount (or a refusal) came from; `rule` names the rule id'],
  [s.PartySchema, 'Party', 'A buyer or merchant, by id'],
  [s.ActorSchema, 'Actor', 'Who did something: a party, staff, the order system or Baozhang itself (`system`)'],
  [s.PlanIdSchema, 'PlanId', 'One of the five protection plans'],
  [s.PlanTermsSchema, 'PlanTerms', 'A plan of the catalog with its configured terms'],
  [s.DepositTermsSchema, 'DepositTerms', 'The consumer-protection deposit’s terms: not a plan, never quoted or joined'],
  [s.PlanCatalogSchema, 'PlanCatalog', 'The five plans, and beside them the deposit’s terms'],
  [s.MerchantProfileInput, 'MerchantProfileInput', 'A merchant profile as the marketplace sends it'],
  [s.MerchantSchema, 'Merchant', 'A merchant profile as stored'],
  [s.CampaignSchema, 'Campaign', 'A flash-sale campaign joined by price protection (J6)'],
  [s.JoinInput, 'JoinInput', 'A request to join a plan (J1–J10)'],
  [s.ExitInput, 'ExitInput', 'A request to exit a plan (J8)'],
  [s.EnrollmentSchema, 'Enrollment', 'A merchant’s enrollment in a plan'],
  [s.QuoteSchema, 'Quote', 'Eligibility with every failing reason, the estimated rate and how a gift is joined (J4, J6)'],
  [s.SkuAttributesSchema, 'SkuAttributes', 'What identifies a product across listings'],
  [s.OrderLineSchema, 'OrderLine', 'One line of an order'],
  [s.OrderDataSchema, 'Order', 'The whole order, as order.placed and order.paid carry it; unknown fields are ignored'],
  [s.OrderEventSchema, 'InboundEvent', 'An event from the order system, validated by its `type`'],
  [s.EventsInput, 'EventsInput', 'One event, or a batch of up to 100'],
  [s.EventResultSchema, 'EventResult', 'What one event did'],
  [s.EventsAccepted, 'EventsAccepted', 'The answer to a batch of events'],
  [s.PolicySchema, 'Policy', 'A policy issued for an order line (or order)'],
  [s.BuyCoverInput, 'BuyCoverInput', 'Buy or issue cover for an order (I4)'],
  [s.EvidenceSchema, 'Evidence', 'A piece of evidence: where it is and its SHA-256, or an upload (`uploadId`) whose SHA-256 the storage verified'],
  [
    s.ClaimEvidenceSchema,
    'ClaimEvidence',
    'A piece of evidence on a claim; an uploaded one names its upload, type, size and (on GET) a presigned download URL',
  ],
  [s.EvidenceUploadInput, 'EvidenceUploadInput', 'A file to upload as evidence: its type, size and SHA-256 (issue 21)'],
  [s.EvidenceUploadSchema, 'EvidenceUpload', 'A presigned upload: PUT the file to `upload.url` with `upload.headers`, then send `evidence` with the claim'],
  [s.SubmitClaimInput, 'SubmitClaimInput', 'A claim on a policy (C1–C10)'],
  [s.AddEvidenceInput, 'AddEvidenceInput', 'More evidence for a claim in NEEDS_INFO (A2)'],
  [s.DecisionInput, 'DecisionInput', 'An adjuster’s decision (A2)'],
  [s.ClaimSchema, 'Claim', 'A claim with its history (A4); `basis` shows the figures the amount came from'],
  [s.PayoutSchema, 'Payout', 'A transfer to a beneficiary, paid exactly once (P1–P4)'],
  [s.TopUpInput, 'TopUpInput', 'A deposit top-up to start (D4)'],
  [s.WithdrawalInput, 'WithdrawalInput', 'A request to withdraw from the deposit (D3)'],
  [s.WithdrawalDecisionInput, 'WithdrawalDecisionInput', 'Ops’ decision on a withdrawal (D3)'],
  [s.AdvanceInput, 'AdvanceInput', 'An advance compensation from the deposit (D2)'],
  [s.WithdrawalSchema, 'Withdrawal', 'A deposit withdrawal'],
  [s.DepositMovementSchema, 'DepositMovement', 'One movement of the deposit journal'],
  [s.DepositSummarySchema, 'DepositSummary', 'The deposit’s figures and flags (D1–D3, J9)'],
  [s.DepositSchema, 'Deposit', 'The deposit with its latest withdrawals and movements'],
  [s.PaymentInstructionSchema, 'PaymentInstruction', 'What the payer does to pay a top-up: the payment provider’s instruction (D4)'],
  [s.TopUpSchema, 'TopUp', 'A deposit top-up: PENDING with its payment instruction, CREDITED once the provider confirmed the payment, or EXPIRED (D4)'],
  [s.CompensationInput, 'CompensationInput', 'A dispute compensation from the deposit (D5)'],
  [s.CompensationSchema, 'Compensation', 'A dispute compensation paid to the buyer from the merchant’s deposit (D5)'],
  [s.AdvanceSchema, 'Advance', 'An advance compensation (D2)'],
];
for (const [schema, id, description] of NAMED) apiComponents.add(schema, { id, description });
