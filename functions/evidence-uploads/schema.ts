import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { EvidenceUploadInput, EvidenceUploadSchema, idSchema } from '#shared/http/schemas.ts';

const description =
  'A presigned upload for one evidence file: `PUT` the bytes to `upload.url` with `upload.headers` within 15 minutes. ' +
  'The storage refuses bytes whose SHA-256, size or type differ from the declared ones; then name the upload as ' +
  '`{type, uploadId}` in the claim or its new evidence — it is attached only once the storage verified its hash.';

/** For evidence added to a claim the caller filed (A2). */
export const createClaimEvidenceUploadRoute = defineRoute({
  method: 'POST',
  path: '/v1/claims/{claimId}/evidence-uploads',
  operationId: 'createClaimEvidenceUpload',
  summary: 'Start an evidence upload for a claim (presigned PUT with its SHA-256)',
  description,
  handler: 'evidence-uploads',
  roles: ['buyer'],
  params: z.object({ claimId: idSchema }),
  body: EvidenceUploadInput,
  responses: { 201: { description: 'The presigned upload', schema: EvidenceUploadSchema } },
});

/** For evidence sent with the claim itself (POST /v1/claims), before the claim exists. */
export const createPolicyEvidenceUploadRoute = defineRoute({
  method: 'POST',
  path: '/v1/policies/{policyId}/evidence-uploads',
  operationId: 'createPolicyEvidenceUpload',
  summary: 'Start an evidence upload for a claim about to be filed on a policy',
  description,
  tag: 'Claims',
  handler: 'evidence-uploads',
  roles: ['buyer'],
  params: z.object({ policyId: idSchema }),
  body: EvidenceUploadInput,
  responses: { 201: { description: 'The presigned upload', schema: EvidenceUploadSchema } },
});
