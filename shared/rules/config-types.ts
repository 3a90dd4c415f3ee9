/**
 * The shape of the rules configuration (rules/config.ts holds its defaults and validation). Types
 * only, in a module of their own so the modules the configuration is built from (plans, calendar)
 * can name them without importing config.ts back: no import cycle.
 */
/** Units: where a window or due date of whole days ends (windows.ts computes it). */
export type DayBoundary = 'end-of-day' | 'elapsed';

/** Base rates of a plan in bp, per merchant category, with a fallback (J4). */
export interface RateTable {
  defaultBps: number;
  byCategory: Readonly<Record<string, number>>;
}

/** When a payout is due (P2): N working days (PRC calendar) or N × 24 h after an instant. */
export interface DueRule {
  from: 'submission' | 'approval';
  days: number;
  calendar: 'working' | 'calendar';
}

/** A weight bracket: up to and including `upToGrams` (null = any weight above the previous). */
export interface WeightBracket {
  upToGrams: number | null;
  fen: number;
}

/** An operator-supplied PRC holiday calendar for one year (dates `YYYY-MM-DD`). */
export interface YearCalendar {
  year: number;
  /** Official days off (放假). Weekend days in this list change nothing. */
  holidays: readonly string[];
  /** Official make-up working days (调休上班), usually a Saturday or Sunday. */
  workdays: readonly string[];
}

export interface PlanSettings {
  agreementVersion: string;
  /**
   * Length of the claim window in days. Its reference instant depends on the plan:
   * payment (authenticity, live-quality, live-price), campaign end (price-protection),
   * delivery (return-shipping).
   */
  windowDays: number;
  payoutDue: DueRule;
}

export interface RatedPlanSettings extends PlanSettings {
  rates: RateTable;
}

export interface RulesConfig {
  plans: {
    authenticity: RatedPlanSettings;
    'return-shipping': PlanSettings & {
      /** I5: premium by parcel weight (the buyer's or the gifting merchant's price). */
      premiumBrackets: readonly WeightBracket[];
      /** C8: claim amount by parcel weight. */
      payoutBrackets: readonly WeightBracket[];
      /** X2: days after shipment that cover of an order never delivered ends. */
      undeliveredWindowDays: number;
    };
    'price-protection': RatedPlanSettings;
    'live-quality': RatedPlanSettings & {
      /** J10: the only categories covered. */
      coveredCategories: readonly string[];
      /** C7: refund reasons that create a claim. */
      refundReasons: readonly string[];
    };
    'live-price': RatedPlanSettings;
  };
  claims: {
    /** X3: days a claim may stay in NEEDS_INFO before it lapses. */
    needsInfoLapseDays: number;
    /** C1: claims a policy line may receive in all (refiling after REJECTED or LAPSED). */
    maxClaimsPerLine: number;
  };
  /**
   * Units: `end-of-day` (default) ends every window and due date at the end of a Shanghai
   * calendar (or working) day; `elapsed` keeps 24-hour periods.
   */
  dayBoundary: DayBoundary;
  deposit: {
    /** D1 */
    minimumFen: number;
    /** D3: approved withdrawals are paid out like claims. */
    withdrawalPayoutDue: DueRule;
    /** D4: the most one top-up may collect, in fen. */
    topUpMaxFen: number;
    /** D4: hours an unpaid top-up stays payable before it expires. */
    topUpExpiryHours: number;
    /** D3: days a penalty counts as a violation record (lifted or not); `null` = ever. */
    violationLookBackDays: number | null;
  };
  calendar: {
    /** Years the calendar library does not cover yet (or corrections to years it does). */
    years: readonly YearCalendar[];
  };
}
