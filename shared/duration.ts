/**
 * The one duration parser: `250ms`, `30s`, `5m`, `1h`, `1d` (a bare number is milliseconds).
 * Settings that take a duration — job intervals of `npm start`, the payout job's retry and lease
 * times, the deploy's schedule rates — all read it here; each says which units it accepts.
 */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export interface Duration {
  amount: number;
  unit: DurationUnit;
  ms: number;
}

/**
 * The duration `text` states, or undefined when it states none in `units` (a bare number counts
 * only when `ms` is among them). Surrounding blanks and letter case are ignored.
 */
export function readDuration(text: string, units: readonly DurationUnit[] = ['ms', 's', 'm', 'h']): Duration | undefined {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const unit = (match[2] ?? 'ms') as DurationUnit;
  if (!units.includes(unit)) return undefined;
  const amount = Number(match[1]);
  return { amount, unit, ms: amount * UNIT_MS[unit] };
}
