import * as z from 'zod/mini';
import { defineRoute } from '#shared/http/route.ts';

export const openApiRoute = defineRoute({
  method: 'GET',
  path: '/v1/openapi.json',
  operationId: 'getOpenApi',
  summary: 'The OpenAPI 3.1 document of this API',
  handler: 'openapi',
  roles: 'public',
  responses: {
    200: { description: 'OpenAPI 3.1 document', schema: z.looseObject({ openapi: z.string() }) },
  },
});
