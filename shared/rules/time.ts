/**
 * Instants are ISO-8601 strings with an offset, as on the wire. Rules compare them as epoch
 * milliseconds and write them back in Asia/Shanghai (+08:00, no daylight saving), which is the
 * time zone of PRC working days. Windows count Shanghai calendar days (`deadline`, windows.ts);
 * `addDays` is the 24-hour arithmetic the `elapsed` day boundary keeps.
 */

export type Instant = string;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Asia/Shanghai is UTC+08:00 all year. */
export const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Parses an ISO-8601 instant that carries an offset (`Z` or `±hh:mm`) to epoch ms. */
export function toMs(iso: Instant): number {
  const m = ISO_INSTANT.exec(iso);
  if (!m) throw new RangeError(`not an ISO-8601 instant with offset: ${JSON.stringify(iso)}`);
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = Number(m[6] ?? '0');
  const millis = Number((m[7] ?? '').padEnd(3, '0'));
  const wallClock = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC silently rolls 2026-02-30 over to March; a round trip catches impossible dates.
  const expected = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}`;
  if (new Date(wallClock).toISOString().slice(0, 19) !== expected) {
    throw new RangeError(`not a valid calendar instant: ${iso}`);
  }
  const offsetMinutes = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  return wallClock - offsetMinutes * 60_000;
}

/** Formats epoch ms as `2026-11-25T09:00:00+08:00` (`.SSS` only when non-zero). */
export function toIso(ms: number): Instant {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`not an epoch millisecond value: ${ms}`);
  const shifted = new Date(ms + SHANGHAI_OFFSET_MS).toISOString();
  const fraction = shifted.slice(19, 23);
  return `${shifted.slice(0, 19)}${fraction === '.000' ? '' : fraction}+08:00`;
}

/** The instant N whole days (24-hour periods) after `iso`. */
export function addDays(iso: Instant, days: number): Instant {
  return toIso(toMs(iso) + days * DAY_MS);
}

/** Normalises any instant to the package's output form (+08:00). */
export function normalizeInstant(iso: Instant): Instant {
  return toIso(toMs(iso));
}

/** Whole days elapsed from `from` to `to` (floor; negative when `to` is earlier). */
export function elapsedDays(from: Instant, to: Instant): number {
  return Math.floor((toMs(to) - toMs(from)) / DAY_MS);
}

/** A window is open from `start` up to and including `end`; no `end` means not yet known. */
export interface Window {
  start: Instant;
  end?: Instant;
}

/** Inclusive at both ends: the last instant is inside, one millisecond later is not. */
export function isInside(at: Instant, window: Window): boolean {
  const t = toMs(at);
  return t >= toMs(window.start) && (window.end === undefined || t <= toMs(window.end));
}

/** The later of two instants. */
export function later(a: Instant, b: Instant): Instant {
  return toMs(a) >= toMs(b) ? a : b;
}

/** The Asia/Shanghai calendar date (`YYYY-MM-DD`) of an instant. */
export function shanghaiDate(iso: Instant): string {
  return toIso(toMs(iso)).slice(0, 10);
}

/** The last instant of a Shanghai calendar date: `2026-10-31T23:59:59.999+08:00`. */
export function endOfShanghaiDay(date: string): Instant {
  return `${date}T23:59:59.999+08:00`;
}
