import { httpHandler } from '#shared/http/handler.ts';
import { buildOpenApi } from '#shared/http/openapi.ts';
import { routes } from '#functions/routes.ts';
import { openApiRoute } from './schema.ts';

// Built on the first request (not at module load, which is cold start for every environment,
// asked or not) from the same schemas the handlers validate with, then kept.
let document: ReturnType<typeof buildOpenApi> | undefined;

/** GET /v1/openapi.json — the generated OpenAPI 3.1 document. */
export const handler = httpHandler(openApiRoute, async () => {
  document ??= buildOpenApi(routes, { version: '0.1.0' });
  return { status: 200, body: document };
});
