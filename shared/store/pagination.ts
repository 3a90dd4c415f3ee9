import { problems } from '#shared/http/problem.ts';

/**
 * Opaque list cursors: the query's LastEvaluatedKey, base64url-encoded. A cursor is only
 * accepted for the partition it came from, so a crafted cursor cannot open another party's list.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | undefined {
  return lastKey ? Buffer.from(JSON.stringify(lastKey)).toString('base64url') : undefined;
}

export function decodeCursor(
  cursor: string | undefined,
  expected: { attribute: string; value: string },
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    typeof key === 'object' &&
    key !== null &&
    !Array.isArray(key) &&
    Object.values(key).every((v) => typeof v === 'string') &&
    (key as Record<string, string>)[expected.attribute] === expected.value;
  if (!valid) throw problems.validation([{ path: 'query.cursor', message: 'Not a cursor from this list' }]);
  return key as Record<string, string>;
}
