import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { EnrollmentSchema, ExternalId, JoinInput } from '#shared/http/schemas.ts';

export const joinRoute = defineRoute({
  method: 'POST',
  path: '/v1/merchants/{merchantId}/enrollments',
  operationId: 'joinPlan',
  summary: 'Join a protection plan (J1–J10)',
  handler: 'join',
  roles: ['merchant', 'ops'],
  params: z.object({ merchantId: ExternalId }),
  body: JoinInput,
  responses: { 201: { description: 'The new enrollment', schema: EnrollmentSchema } },
});
