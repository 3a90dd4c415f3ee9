import { makeRulesConfig, workingDayCalendar, type DeepPartial, type RulesConfig, type WorkingDayCalendar } from '#shared/rules/index.ts';
import { optionalEnv } from '#shared/config.ts';

/**
 * The rules configuration every handler passes to the pure rules: the defaults of product.md,
 * overridden by the operator's `RULES_CONFIG` (a JSON object, e.g. rates, brackets, the 2027
 * holiday calendar) without a code change. Read once per execution environment; an invalid
 * override fails at start-up, naming the setting.
 */
function loadOverrides(): DeepPartial<RulesConfig> {
  const raw = optionalEnv('RULES_CONFIG');
  if (!raw) return {};
  try {
    return JSON.parse(raw) as DeepPartial<RulesConfig>;
  } catch (error) {
    throw new Error('RULES_CONFIG is not valid JSON', { cause: error });
  }
}

export const rulesConfig = makeRulesConfig(loadOverrides());

let calendarCache: WorkingDayCalendar | undefined;
/** The PRC working-day calendar (library years + operator years), built on first use. */
export function calendar(): WorkingDayCalendar {
  calendarCache ??= workingDayCalendar(rulesConfig.calendar.years);
  return calendarCache;
}
