import { describe, expect, it } from 'vitest';
import { toHttpProblem } from '#shared/http/handler.ts';
import { Conflict, Forbidden, InvalidInput, NotFound, RuleViolation, Unavailable, violation } from '#shared/rules/errors.ts';
import { InvalidCursor } from '#shared/store/errors.ts';

describe('domain errors are mapped to problems in one place (toHttpProblem → domainProblem)', () => {
  it('NotFound: 404 NOT_FOUND "Not found", "<what> was not found." — and violation("NOT_FOUND") is the same class', () => {
    expect(toHttpProblem(new NotFound('Claim clm_1')).toProblem()).toEqual({
      type: 'https://baozhang.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      code: 'NOT_FOUND',
      detail: 'Claim clm_1 was not found.',
    });
    expect(violation('NOT_FOUND', 'No policy p is visible to you.')).toBeInstanceOf(NotFound);
  });

  it('Conflict, Forbidden, Unavailable keep their codes, titles and statuses; basis only when given', () => {
    expect(toHttpProblem(new Conflict('Changed.', { claimId: 'c' })).toProblem()).toMatchObject({
      status: 409,
      code: 'CONFLICT',
      title: 'Conflict',
      basis: { claimId: 'c' },
    });
    expect(toHttpProblem(new Conflict('Changed.')).toProblem()).not.toHaveProperty('basis');
    expect(toHttpProblem(new Forbidden('No.')).toProblem()).toMatchObject({ status: 403, code: 'FORBIDDEN', title: 'Not allowed for this role' });
    expect(toHttpProblem(new Unavailable('COLLECTIONS_UNAVAILABLE', 'Top-ups unavailable', 'Not yet.')).status).toBe(503);
  });

  it("fields become the problem's errors[], before basis", () => {
    const problem = toHttpProblem(new InvalidInput([{ path: 'body.campaign', message: 'omit campaign' }])).toProblem();
    expect(problem).toEqual({
      type: 'https://baozhang.dev/problems/validation-failed',
      title: 'The request is not valid',
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'The request is malformed; see errors for each field.',
      errors: [{ path: 'body.campaign', message: 'omit campaign' }],
    });
    const refused = new RuleViolation({ code: 'X', title: 'T', detail: 'D.', basis: { a: 1 }, fields: [{ path: 'p', message: 'm' }] });
    expect(Object.keys(toHttpProblem(refused).toProblem())).toEqual(['type', 'title', 'status', 'code', 'detail', 'errors', 'basis']);
  });

  it("the store's InvalidCursor is the edge's 400 INVALID_CURSOR", () => {
    expect(toHttpProblem(new InvalidCursor()).toProblem()).toMatchObject({ status: 400, code: 'INVALID_CURSOR', title: 'Invalid cursor' });
  });
});
