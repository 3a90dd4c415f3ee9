import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { EnrollmentSchema, ExitInput, ExternalId } from '#shared/http/schemas.ts';

export const exitEnrollmentRoute = defineRoute({
  method: 'POST',
  path: '/v1/merchants/{merchantId}/enrollments/{enrollmentId}/exit',
  operationId: 'exitEnrollment',
  summary: 'Exit a plan (退保) with a reason (J8)',
  handler: 'exit-enrollment',
  roles: ['merchant', 'ops'],
  params: z.object({ merchantId: ExternalId, enrollmentId: z.string().check(z.regex(/^enr_[0-9A-HJKMNP-TV-Z]{26}$/)) }),
  body: ExitInput,
  responses: { 200: { description: 'The enrollment, TERMINATED', schema: EnrollmentSchema } },
});
