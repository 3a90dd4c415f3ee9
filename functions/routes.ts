import type { RouteSpec } from '#shared/http/route.ts';
import { healthRoute } from './health/schema.ts';
import { openApiRoute } from './openapi/schema.ts';
import { listPlansRoute } from './list-plans/schema.ts';
import { putMerchantRoute } from './put-merchant/schema.ts';
import { getQuoteRoute } from './get-quote/schema.ts';
import { joinRoute } from './join/schema.ts';
import { listEnrollmentsRoute } from './list-enrollments/schema.ts';
import { exitEnrollmentRoute } from './exit-enrollment/schema.ts';
import { eventsRoute } from './events/schema.ts';
import { issuePolicyRoute } from './issue-policy/schema.ts';
import { listMerchantPoliciesRoute, listOrderPoliciesRoute } from './list-policies/schema.ts';
import { getPolicyRoute } from './get-policy/schema.ts';
import { submitClaimRoute } from './submit-claim/schema.ts';
import { getClaimRoute } from './get-claim/schema.ts';
import { listClaimsRoute } from './list-claims/schema.ts';
import { addEvidenceRoute } from './add-evidence/schema.ts';
import { decideClaimRoute } from './decide-claim/schema.ts';
import { listPayoutsRoute } from './list-payouts/schema.ts';
import { runJobRoute } from './run-job/schema.ts';
import { getDepositRoute } from './get-deposit/schema.ts';
import { topUpDepositRoute } from './top-up-deposit/schema.ts';
import { requestWithdrawalRoute } from './request-withdrawal/schema.ts';
import { decideWithdrawalRoute } from './decide-withdrawal/schema.ts';
import { advanceCompensationRoute } from './advance-compensation/schema.ts';
import { getTopUpRoute } from './get-top-up/schema.ts';
import { paymentNotificationRoute } from './payment-notification/schema.ts';
import { compensateOrderRoute } from './compensate-order/schema.ts';
import { createClaimEvidenceUploadRoute, createPolicyEvidenceUploadRoute } from './evidence-uploads/schema.ts';

/**
 * Every route of the HTTP contract. The local runtime routes by this list, the CDK stack creates
 * one API Gateway route (and one function per distinct `handler`) from it, and the OpenAPI
 * document is generated from it.
 */
export const routes: readonly RouteSpec[] = [
  healthRoute,
  openApiRoute,
  listPlansRoute,
  putMerchantRoute,
  getQuoteRoute,
  joinRoute,
  listEnrollmentsRoute,
  exitEnrollmentRoute,
  eventsRoute,
  issuePolicyRoute,
  listOrderPoliciesRoute,
  listMerchantPoliciesRoute,
  getPolicyRoute,
  submitClaimRoute,
  getClaimRoute,
  listClaimsRoute,
  addEvidenceRoute,
  decideClaimRoute,
  listPayoutsRoute,
  runJobRoute,
  getDepositRoute,
  topUpDepositRoute,
  requestWithdrawalRoute,
  decideWithdrawalRoute,
  advanceCompensationRoute,
  getTopUpRoute,
  paymentNotificationRoute,
  compensateOrderRoute,
  createClaimEvidenceUploadRoute,
  createPolicyEvidenceUploadRoute,
];
