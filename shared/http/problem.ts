import { CalendarNotCovered, RuleViolation } from '#shared/rules/errors.ts';

/**
 * RFC 9457 problem details, the body of every error response:
 * `{type, title, status, code, detail, errors?, basis?}` with `content-type: application/problem+json`.
 */
export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[];
  basis?: Record<string, unknown>;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: string): string {
  return `https://baozhang.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}

/** An error that already knows its HTTP answer. Thrown by the HTTP layer only; use cases throw domain errors. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly extra: Pick<Problem, 'errors' | 'basis'> & { headers?: Record<string, string> } = {},
  ) {
    super(detail);
  }

  toProblem(): Problem {
    const { errors, basis } = this.extra;
    return {
      type: problemType(this.code),
      title: this.title,
      status: this.status,
      code: this.code,
      detail: this.detail,
      ...(errors ? { errors } : {}),
      ...(basis ? { basis } : {}),
    };
  }
}

export const problems = {
  validation: (errors: FieldError[], detail = 'The request is malformed; see errors for each field.') =>
    new HttpProblem(400, 'VALIDATION_FAILED', 'The request is not valid', detail, { errors }),
  /**
   * 401. With a token that is wrong, RFC 6750's `error="invalid_token"` and the fault in
   * `error_description` (and `detail`); without any token, only the scheme, as RFC 6750 §3.1 asks.
   */
  unauthenticated: (detail = 'A valid bearer token is required.', tokenSent = true) =>
    new HttpProblem(401, 'UNAUTHENTICATED', 'Authentication required', detail, {
      headers: {
        'www-authenticate': tokenSent
          ? `Bearer realm="baozhang", error="invalid_token", error_description="${detail.replace(/["\\]/g, "'")}"`
          : 'Bearer realm="baozhang"',
      },
    }),
  methodNotAllowed: (method: string, path: string, allow: readonly string[]) =>
    new HttpProblem(405, 'METHOD_NOT_ALLOWED', 'Method not allowed', `${path} answers ${allow.join(', ')}, not ${method}.`, {
      headers: { allow: allow.join(', ') },
    }),
  unsupportedMediaType: () => new HttpProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', 'Send the body as application/json.'),
  payloadTooLarge: (limit: number) => new HttpProblem(413, 'PAYLOAD_TOO_LARGE', 'Request body too large', `The body exceeds ${limit} bytes.`),
  unavailable: (detail: string) => new HttpProblem(503, 'SERVICE_UNAVAILABLE', 'Service unavailable', detail),
  internal: () => new HttpProblem(500, 'INTERNAL_ERROR', 'Internal error', 'An unexpected error occurred; it has been logged.'),
};

/**
 * The one mapping of a domain error (shared/rules/errors.ts) to its problem response: status,
 * code, title and detail as the error states them, its figures as `basis`, its fields as `errors`.
 */
export function domainProblem(error: RuleViolation | CalendarNotCovered): HttpProblem {
  const fields = error instanceof RuleViolation ? error.fields : undefined;
  return new HttpProblem(error.status, error.code, error.title, error.detail, {
    ...(fields ? { errors: fields.map(({ path, message }) => ({ path, message })) } : {}),
    ...(error.basis ? { basis: error.basis } : {}),
  });
}

export function isDomainError(error: unknown): error is RuleViolation | CalendarNotCovered {
  return error instanceof RuleViolation || error instanceof CalendarNotCovered;
}
