import { z } from 'zod';

/** Schemas shared by several routes; each is also a named component of the OpenAPI document. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    basis: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ description: 'RFC 9457 problem details (application/problem+json)' });
