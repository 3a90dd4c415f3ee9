import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  defaultRulesConfig,
  isPlanId,
  LIVE_RATE_CAP_BPS,
  makeRulesConfig,
  planCatalog,
  rateTable,
  type DeepPartial,
  type PlanTerms,
  type RulesConfig,
} from '#shared/rules/index.ts';

describe('configuration: every (default) is overridable and validated', () => {
  it('without overrides is the defaults', () => {
    expect(makeRulesConfig()).toEqual(defaultRulesConfig);
  });

  it('deep-merges overrides, adds categories and replaces arrays', () => {
    const config = makeRulesConfig({
      plans: {
        authenticity: { windowDays: 120, rates: { byCategory: { toys: 70 } } },
        'live-quality': { coveredCategories: ['apparel'] },
      },
      claims: { needsInfoLapseDays: 10 },
    });
    expect(config.plans.authenticity.windowDays).toBe(120);
    expect(config.plans.authenticity.rates.byCategory).toMatchObject({ apparel: 60, toys: 70 });
    expect(config.plans['live-quality'].coveredCategories).toEqual(['apparel']);
    expect(config.claims.needsInfoLapseDays).toBe(10);
    expect(defaultRulesConfig.plans.authenticity.windowDays).toBe(90);
  });

  it('an explicitly undefined setting keeps its default', () => {
    expect(makeRulesConfig({ plans: { authenticity: { windowDays: undefined } } }).plans.authenticity.windowDays).toBe(90);
  });

  it('J4 a live plan rate of exactly 20 bp is accepted', () => {
    const config = makeRulesConfig({ plans: { 'live-price': { rates: { defaultBps: 20, byCategory: { fmcg: 20 } } } } });
    expect(config.plans['live-price'].rates.byCategory.fmcg).toBe(LIVE_RATE_CAP_BPS);
  });

  it('J4 a live plan rate of 21 bp is refused with a ConfigError naming the plan and category', () => {
    const attempt = () => makeRulesConfig({ plans: { 'live-quality': { rates: { byCategory: { fmcg: 21 } } } } });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('plans.live-quality.rates.byCategory.fmcg: 21 bp exceeds the 20 bp cap of live-quality');
  });

  it('J4 a non-live plan may price above 20 bp but not above 100%', () => {
    expect(makeRulesConfig({ plans: { authenticity: { rates: { defaultBps: 300 } } } }).plans.authenticity.rates.defaultBps).toBe(300);
    expect(() => makeRulesConfig({ plans: { authenticity: { rates: { defaultBps: 10_001 } } } })).toThrow(/exceeds the 10000 bp cap/);
  });

  const bracket = (upToGrams: number | null, fen: number) => ({ upToGrams, fen });
  const calendarYear = (year: number, holidays: string[], workdays: string[] = []) => ({ year, holidays, workdays });

  it.each<[string, DeepPartial<RulesConfig>, string]>([
    ['unknown setting', { plans: { authenticity: { windowDay: 3 } as never } }, 'config.plans.authenticity.windowDay'],
    ['empty agreement version', { plans: { 'live-price': { agreementVersion: '' } } }, 'plans.live-price.agreementVersion'],
    ['zero window', { plans: { authenticity: { windowDays: 0 } } }, 'plans.authenticity.windowDays'],
    ['due from nowhere', { plans: { authenticity: { payoutDue: { from: 'payment' as never } } } }, 'plans.authenticity.payoutDue.from'],
    ['due on a lunar calendar', { plans: { authenticity: { payoutDue: { calendar: 'lunar' as never } } } }, 'plans.authenticity.payoutDue.calendar'],
    ['due in 1.5 days', { plans: { authenticity: { payoutDue: { days: 1.5 } } } }, 'plans.authenticity.payoutDue.days'],
    ['fractional rate', { plans: { 'price-protection': { rates: { defaultBps: 2.5 } } } }, 'plans.price-protection.rates.defaultBps'],
    ['negative rate', { plans: { authenticity: { rates: { byCategory: { toys: -1 } } } } }, 'plans.authenticity.rates.byCategory.toys'],
    ['no brackets', { plans: { 'return-shipping': { premiumBrackets: [] } } }, 'plans.return-shipping.premiumBrackets'],
    ['negative bracket fen', { plans: { 'return-shipping': { payoutBrackets: [bracket(null, -1)] } } }, 'payoutBrackets[0].fen'],
    ['closed last bracket', { plans: { 'return-shipping': { payoutBrackets: [bracket(1000, 1000)] } } }, 'payoutBrackets[0].upToGrams'],
    ['open middle bracket', { plans: { 'return-shipping': { payoutBrackets: [bracket(null, 1), bracket(null, 2)] } } }, 'payoutBrackets[0].upToGrams'],
    [
      'descending brackets',
      { plans: { 'return-shipping': { payoutBrackets: [bracket(3000, 1), bracket(1000, 2), bracket(null, 3)] } } },
      'payoutBrackets[1].upToGrams',
    ],
    ['blank category', { plans: { 'live-quality': { coveredCategories: [''] } } }, 'plans.live-quality.coveredCategories'],
    ['blank refund reason', { plans: { 'live-quality': { refundReasons: [''] } } }, 'plans.live-quality.refundReasons'],
    ['zero lapse days', { claims: { needsInfoLapseDays: 0 } }, 'claims.needsInfoLapseDays'],
    ['negative minimum deposit', { deposit: { minimumFen: -1 } }, 'deposit.minimumFen'],
    ['withdrawal due from nowhere', { deposit: { withdrawalPayoutDue: { from: 'x' as never } } }, 'deposit.withdrawalPayoutDue.from'],
    ['fractional year', { calendar: { years: [calendarYear(2027.5, [])] } }, 'calendar.years[0].year'],
    ['year given twice', { calendar: { years: [calendarYear(2027, []), calendarYear(2027, [])] } }, 'calendar.years[1].year'],
    ['holiday in another year', { calendar: { years: [calendarYear(2027, ['2028-01-01'])] } }, 'calendar.years[0].holidays'],
    ['impossible date', { calendar: { years: [calendarYear(2027, [], ['2027-02-30'])] } }, 'calendar.years[0].workdays'],
    ['not a date', { calendar: { years: [calendarYear(2027, ['Jan 1'])] } }, 'calendar.years[0].holidays'],
    ['make-up working day on a weekday', { calendar: { years: [calendarYear(2027, [], ['2027-01-04'])] } }, 'calendar.years[0].workdays'],
    ['holiday and workday at once', { calendar: { years: [calendarYear(2027, ['2027-01-01'], ['2027-01-01'])] } }, 'calendar.years[0]:'],
  ])('refuses %s', (_name, overrides, path) => {
    expect(() => makeRulesConfig(overrides)).toThrow(ConfigError);
    expect(() => makeRulesConfig(overrides)).toThrow(path);
  });

  it('accepts an operator calendar for 2027', () => {
    const years = [{ year: 2027, holidays: ['2027-01-01'], workdays: [] }];
    expect(makeRulesConfig({ calendar: { years } }).calendar.years).toEqual(years);
  });
});

describe('plan catalog', () => {
  const catalog = planCatalog(defaultRulesConfig);
  const plan = (planId: string) => catalog.items.find((p) => p.planId === planId) as PlanTerms;

  it('lists the five plans and, beside them (not a plan one joins), the deposit with their terms', () => {
    expect(catalog.items.map((p) => p.planId)).toEqual(['authenticity', 'return-shipping', 'price-protection', 'live-quality', 'live-price']);
    expect(catalog.deposit).toMatchObject({ kind: 'deposit', minimumFen: 100_000, sponsor: 'merchant' });
    expect(catalog.deposit).not.toHaveProperty('planId');
    expect(plan('authenticity')).toMatchObject({
      sponsor: 'merchant',
      beneficiary: 'buyer',
      issuedPer: 'line',
      issuedAt: 'payment',
      windowDays: 90,
      rateCapBps: null,
      coveredCategories: 'all',
      agreementVersion: '2026-09',
    });
    expect(plan('return-shipping')).toMatchObject({ premiumPayer: 'buyer-or-merchant', rates: null, buyerPurchasable: true, issuedPer: 'order' });
    expect(plan('return-shipping').payoutBrackets).toEqual(defaultRulesConfig.plans['return-shipping'].payoutBrackets);
    expect(plan('price-protection')).toMatchObject({ joinedPer: 'campaign', giftOnly: true, gift: 'implied', buyerPurchasable: false, premiumBrackets: null });
    expect(plan('live-quality')).toMatchObject({
      beneficiary: 'merchant',
      rateCapBps: 20,
      coveredCategories: ['apparel', 'fmcg', 'home-appliance'],
      refundReasons: ['quality-issue', 'damaged'],
    });
    expect(plan('live-price')).toMatchObject({ rateCapBps: 20, refundReasons: null, payoutDue: { from: 'approval', days: 3, calendar: 'working' } });
    expect(plan('live-price').needsInfoLapseDays).toBe(15);
  });

  it('knows its plan ids and rate tables', () => {
    expect(isPlanId('live-price')).toBe(true);
    expect(isPlanId('deposit')).toBe(false);
    expect(rateTable('return-shipping', defaultRulesConfig)).toBeUndefined();
    expect(rateTable('live-price', defaultRulesConfig)?.defaultBps).toBe(15);
  });
});
