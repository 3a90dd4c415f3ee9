/**
 * Rules configuration. Every *(default)* of product.md lives here and can be overridden
 * without code changes: `makeRulesConfig(overrides)` deep-merges operator overrides into
 * `defaultRulesConfig` and validates the result, so a bad setting fails at start-up with a
 * `ConfigError` naming the setting instead of mispricing a policy later.
 */
import { isWeekend } from './calendar.ts';
import { ConfigError } from './errors.ts';
import { LIVE_PLAN_IDS, LIVE_RATE_CAP_BPS } from './plans.ts';
import { PLAN_IDS, type PlanId } from './types.ts';
import type { DueRule, RateTable, RulesConfig, WeightBracket, YearCalendar } from './config-types.ts';

export type { RateTable, DueRule, WeightBracket, YearCalendar, PlanSettings, RatedPlanSettings, RulesConfig } from './config-types.ts';

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

const AGREEMENT_VERSION = '2026-09';
const WORKING_3_FROM_APPROVAL: DueRule = { from: 'approval', days: 3, calendar: 'working' };

/** The defaults. Values marked (default) in product.md are Baozhang's choice, not the sources'. */
export const defaultRulesConfig: RulesConfig = {
  plans: {
    authenticity: {
      agreementVersion: AGREEMENT_VERSION,
      windowDays: 90, // (default)
      payoutDue: WORKING_3_FROM_APPROVAL, // (default)
      rates: { defaultBps: 50, byCategory: { apparel: 60, cosmetics: 80, 'luxury-goods': 120, electronics: 40 } }, // (default)
    },
    'return-shipping': {
      agreementVersion: AGREEMENT_VERSION,
      windowDays: 7, // 7 days after delivery (001)
      payoutDue: { from: 'approval', days: 3, calendar: 'calendar' }, // 3 days of approval (001)
      // (default) premium table: the sources give none.
      premiumBrackets: [
        { upToGrams: 1000, fen: 150 },
        { upToGrams: 3000, fen: 200 },
        { upToGrams: 5000, fen: 250 },
        { upToGrams: null, fen: 350 },
      ],
      // (default) payout brackets: the source gives 10–25 CNY by weight.
      payoutBrackets: [
        { upToGrams: 1000, fen: 1000 },
        { upToGrams: 3000, fen: 1500 },
        { upToGrams: 5000, fen: 2000 },
        { upToGrams: null, fen: 2500 },
      ],
      undeliveredWindowDays: 30, // (default) X2
    },
    'price-protection': {
      agreementVersion: AGREEMENT_VERSION,
      windowDays: 15, // campaign end + 15 days (002)
      payoutDue: WORKING_3_FROM_APPROVAL, // (default)
      rates: { defaultBps: 30, byCategory: {} }, // (default)
    },
    'live-quality': {
      agreementVersion: AGREEMENT_VERSION,
      windowDays: 30, // 30 days from payment (003)
      payoutDue: { from: 'submission', days: 3, calendar: 'working' }, // 3 working days of the claim (003)
      rates: { defaultBps: 20, byCategory: { apparel: 20, fmcg: 15, 'home-appliance': 18 } }, // (default), ≤ 20 bp (003)
      coveredCategories: ['apparel', 'fmcg', 'home-appliance'], // (default)
      refundReasons: ['quality-issue', 'damaged'],
    },
    'live-price': {
      agreementVersion: AGREEMENT_VERSION,
      windowDays: 30, // 30 days (inclusive) from payment (003)
      payoutDue: WORKING_3_FROM_APPROVAL, // (default)
      rates: { defaultBps: 15, byCategory: { apparel: 20, 'home-appliance': 12 } }, // (default), ≤ 20 bp (003)
    },
  },
  claims: { needsInfoLapseDays: 15, maxClaimsPerLine: 3 }, // (default)
  dayBoundary: 'end-of-day', // (default) Units
  deposit: {
    minimumFen: 100_000,
    withdrawalPayoutDue: WORKING_3_FROM_APPROVAL,
    topUpMaxFen: 10_000_000,
    topUpExpiryHours: 24,
    violationLookBackDays: null,
  }, // (default)
  calendar: { years: [] },
};

/** Deep-merges `overrides` into the defaults (arrays are replaced) and validates the result. */
export function makeRulesConfig(overrides: DeepPartial<RulesConfig> = {}): RulesConfig {
  const config = merge(defaultRulesConfig, overrides, 'config') as RulesConfig;
  validate(config);
  return config;
}

/** Objects whose keys are data (category names), not setting names. */
const OPEN_RECORDS = new Set(['byCategory']);

function merge(base: unknown, override: unknown, path: string): unknown {
  if (override === undefined) return base;
  if (!isRecord(base) || !isRecord(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  const key = path.slice(path.lastIndexOf('.') + 1);
  for (const [name, value] of Object.entries(override)) {
    // A misspelt setting would otherwise be ignored silently and the default kept.
    if (!(name in base) && !OPEN_RECORDS.has(key)) throw new ConfigError(`${path}.${name}`, 'unknown setting');
    merged[name] = merge(base[name], value, `${path}.${name}`);
  }
  return merged;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validate(config: RulesConfig): void {
  for (const planId of PLAN_IDS) {
    const plan = config.plans[planId];
    const path = `plans.${planId}`;
    check(typeof plan.agreementVersion === 'string' && plan.agreementVersion.length > 0, `${path}.agreementVersion`, 'must be a non-empty string');
    checkPositiveInteger(plan.windowDays, `${path}.windowDays`);
    checkDueRule(plan.payoutDue, `${path}.payoutDue`);
    if ('rates' in plan) checkRates(planId, plan.rates, `${path}.rates`);
  }
  const returnShipping = config.plans['return-shipping'];
  checkBrackets(returnShipping.premiumBrackets, 'plans.return-shipping.premiumBrackets');
  checkBrackets(returnShipping.payoutBrackets, 'plans.return-shipping.payoutBrackets');
  const liveQuality = config.plans['live-quality'];
  checkStrings(liveQuality.coveredCategories, 'plans.live-quality.coveredCategories');
  checkStrings(liveQuality.refundReasons, 'plans.live-quality.refundReasons');
  checkPositiveInteger(returnShipping.undeliveredWindowDays, 'plans.return-shipping.undeliveredWindowDays');
  checkPositiveInteger(config.claims.needsInfoLapseDays, 'claims.needsInfoLapseDays');
  checkPositiveInteger(config.claims.maxClaimsPerLine, 'claims.maxClaimsPerLine');
  check(['end-of-day', 'elapsed'].includes(config.dayBoundary), 'dayBoundary', 'must be "end-of-day" or "elapsed"');
  check(Number.isSafeInteger(config.deposit.minimumFen) && config.deposit.minimumFen >= 0, 'deposit.minimumFen', 'must be a non-negative integer of fen');
  checkDueRule(config.deposit.withdrawalPayoutDue, 'deposit.withdrawalPayoutDue');
  checkPositiveInteger(config.deposit.topUpMaxFen, 'deposit.topUpMaxFen');
  checkPositiveInteger(config.deposit.topUpExpiryHours, 'deposit.topUpExpiryHours');
  if (config.deposit.violationLookBackDays !== null) checkPositiveInteger(config.deposit.violationLookBackDays, 'deposit.violationLookBackDays');
  checkCalendars(config.calendar.years);
}

function check(ok: boolean, path: string, message: string): void {
  if (!ok) throw new ConfigError(path, message);
}

function checkPositiveInteger(value: number, path: string): void {
  check(Number.isSafeInteger(value) && value > 0, path, `must be a positive integer, got ${value}`);
}

function checkDueRule(rule: DueRule, path: string): void {
  check(['submission', 'approval'].includes(rule.from), `${path}.from`, 'must be "submission" or "approval"');
  check(['working', 'calendar'].includes(rule.calendar), `${path}.calendar`, 'must be "working" or "calendar"');
  checkPositiveInteger(rule.days, `${path}.days`);
}

/** J4: rates are whole bp; live plans never above the 20 bp cap (003). */
function checkRates(planId: PlanId, rates: RateTable, path: string): void {
  const cap = LIVE_PLAN_IDS.includes(planId) ? LIVE_RATE_CAP_BPS : 10_000;
  const entries: [string, number][] = [
    ['defaultBps', rates.defaultBps],
    ...Object.entries(rates.byCategory).map(([category, bps]): [string, number] => [`byCategory.${category}`, bps]),
  ];
  for (const [name, bps] of entries) {
    check(Number.isInteger(bps) && bps >= 0, `${path}.${name}`, `must be a whole number of bp, got ${bps}`);
    check(bps <= cap, `${path}.${name}`, `${bps} bp exceeds the ${cap} bp cap of ${planId}`);
  }
}

function checkBrackets(brackets: readonly WeightBracket[], path: string): void {
  check(brackets.length > 0, path, 'needs at least one bracket');
  let previous = 0;
  brackets.forEach((bracket, i) => {
    check(Number.isSafeInteger(bracket.fen) && bracket.fen >= 0, `${path}[${i}].fen`, 'must be a non-negative integer of fen');
    const last = i === brackets.length - 1;
    if (last) {
      check(bracket.upToGrams === null, `${path}[${i}].upToGrams`, 'the last bracket must be open (null)');
    } else {
      const upTo = bracket.upToGrams ?? 0;
      check(Number.isSafeInteger(upTo) && upTo > previous, `${path}[${i}].upToGrams`, 'must be an integer above the previous bracket');
      previous = upTo;
    }
  });
}

function checkStrings(values: readonly string[], path: string): void {
  check(
    values.every((v) => typeof v === 'string' && v.length > 0),
    path,
    'must be non-empty strings',
  );
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkCalendars(years: readonly YearCalendar[]): void {
  const seen = new Set<number>();
  years.forEach((calendar, i) => {
    const path = `calendar.years[${i}]`;
    check(Number.isInteger(calendar.year) && !seen.has(calendar.year), `${path}.year`, 'must be an integer year, given once');
    seen.add(calendar.year);
    for (const [list, dates] of [
      ['holidays', calendar.holidays],
      ['workdays', calendar.workdays],
    ] as const) {
      for (const date of dates) check(isDateIn(date, calendar.year), `${path}.${list}`, `${date} is not a date in ${calendar.year}`);
    }
    const both = calendar.holidays.filter((d) => calendar.workdays.includes(d));
    check(both.length === 0, path, `${both.join(', ')} listed both as holiday and as workday`);
    const weekdays = calendar.workdays.filter((d) => !isWeekend(d));
    check(weekdays.length === 0, `${path}.workdays`, `${weekdays.join(', ')}: a make-up working day must be a Saturday or Sunday`);
  });
}

function isDateIn(date: string, year: number): boolean {
  const m = DATE.exec(date);
  if (!m || Number(m[1]) !== year) return false;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) === date;
}
