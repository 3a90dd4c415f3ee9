import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';
import { EnrollmentSchema, ExternalId } from '#shared/http/schemas.ts';

export const listEnrollmentsRoute = defineRoute({
  method: 'GET',
  path: '/v1/merchants/{merchantId}/enrollments',
  operationId: 'listEnrollments',
  summary: "A merchant's enrollments and Live Select qualification (J5)",
  handler: 'list-enrollments',
  roles: ['merchant', 'ops'],
  params: z.object({ merchantId: ExternalId }),
  responses: {
    200: {
      description: 'Enrollments, oldest first',
      schema: z.object({ items: z.array(EnrollmentSchema), liveSelectQualified: z.boolean() }),
    },
  },
});
