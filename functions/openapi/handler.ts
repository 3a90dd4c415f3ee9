import { httpHandler } from '#shared/http/handler.ts';
import { buildOpenApi } from '#shared/http/openapi.ts';
import { routes } from '#functions/routes.ts';
import { openApiRoute } from './schema.ts';

// Built once per execution environment from the same schemas the handlers validate with.
const document = buildOpenApi(routes, { version: '0.1.0' });

/** GET /v1/openapi.json — the generated OpenAPI 3.1 document. */
export const handler = httpHandler(openApiRoute, async () => ({ status: 200, body: document }));
