/**
 * Structured logs: one JSON object per line (level, message, timestamp, service, and the fields
 * given), which CloudWatch Logs Insights reads field by field. The level comes from LOG_LEVEL
 * (DEBUG, INFO, WARN, ERROR or SILENT; INFO by default); tests run SILENT.
 *
 * In-house rather than the Powertools logger: the service logs three kinds of line from a dozen
 * places, and that logger was 24 KB of every handler bundle — parse time on every cold start.
 */
const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 } as const;
type Level = Exclude<keyof typeof LEVELS, 'SILENT'>;

/** An Error as plain fields (its cause too); anything else as it is. */
function serialisable(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error)) return value;
  const { name, message, stack } = value;
  const extra = Object.fromEntries(Object.entries(value));
  return { ...extra, name, message, stack, ...(value.cause !== undefined && depth < 3 ? { cause: serialisable(value.cause, depth + 1) } : {}) };
}

export class JsonLogger {
  constructor(
    private readonly service: string,
    private readonly threshold: number,
    private readonly write: (line: string) => void = (line) => console.log(line),
  ) {}

  private log(level: Level, message: string, detail?: unknown) {
    if (LEVELS[level] < this.threshold) return;
    const fields = detail instanceof Error ? { error: serialisable(detail) } : (detail as Record<string, unknown> | undefined);
    const entry = { level, message, timestamp: new Date().toISOString(), service: this.service, ...fields };
    this.write(JSON.stringify(entry, (_key, value: unknown) => serialisable(value)));
  }

  debug(message: string, detail?: unknown) { this.log('DEBUG', message, detail); }
  info(message: string, detail?: unknown) { this.log('INFO', message, detail); }
  warn(message: string, detail?: unknown) { this.log('WARN', message, detail); }
  error(message: string, detail?: unknown) { this.log('ERROR', message, detail); }
}

export function levelThreshold(name: string | undefined): number {
  return LEVELS[(name ?? 'INFO').toUpperCase() as keyof typeof LEVELS] ?? LEVELS.INFO;
}

export const logger = new JsonLogger('baozhang', levelThreshold(process.env['LOG_LEVEL']));
