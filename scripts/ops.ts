/**
 * `npm run ops -- <command>`: the operator's command line. Each command is a function of its
 * arguments and the repository root, so tests run it against a scratch copy.
 *
 *   calendar add YEAR FILE   check a year's working-day calendar file, copy it to
 *                            calendars/YEAR.json (bundled with the functions at the next deploy),
 *                            and print what it changes against plain Monday–Friday
 *   calendar status          the years covered and the days left
 *   replay-outbox, redrive-dlq, payout-status, reconcile   on a running stage (scripts/ops-stage.ts)
 */
import './local-env.ts';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CalendarFileInvalid, calendarChanges, parseCalendarFile } from '#shared/rules/index.ts';
import { calendarFileNames, renderCalendarIndex } from './calendar-index.ts';
import { payoutStatus, reconcile, redriveDlq, replayOutbox, type StageIo } from './ops-stage.ts';

export interface OpsIo {
  /** The repository root (calendars/ is under it). */
  root: string;
  out: (line: string) => void;
  err: (line: string) => void;
  now: () => Date;
  /** For the commands on a stage: its name, and SQS and Lambda clients (the environment's by default). */
  stage?: StageIo['stage'];
  sqs?: StageIo['sqs'];
  lambda?: StageIo['lambda'];
  progress?: StageIo['progress'];
}

const USAGE = [
  'usage: npm run ops -- <command>',
  '  calendar add YEAR FILE   add a year of the PRC working-day calendar (see calendars/README.md)',
  '  calendar status          years covered, days left',
  '  replay-outbox --from T1 --to T2 [--type T] [--dry-run]   re-publish the events out of a time range',
  '  redrive-dlq NAME [--dry-run]                             send a dead-letter queue back to its function',
  "  payout-status PAYOUT_ID                                  the payout and the provider's answer for it",
  '  reconcile [MERCHANT_ID…]                                 the deposit/payout reconciliation',
];

const STAGE_COMMANDS: Record<string, (args: readonly string[], io: StageIo) => Promise<number>> = {
  'replay-outbox': replayOutbox,
  'redrive-dlq': redriveDlq,
  'payout-status': payoutStatus,
  reconcile,
};

/** Runs one command; returns the process exit code. */
export async function runOps(args: readonly string[], io: OpsIo): Promise<number> {
  const [area, command, ...rest] = args;
  const stageCommand = area ? STAGE_COMMANDS[area] : undefined;
  if (stageCommand) return stageCommand(args.slice(1), io);
  if (area === 'calendar' && command === 'add' && rest.length === 2) return calendarAdd(rest[0]!, rest[1]!, io);
  if (area === 'calendar' && command === 'status' && rest.length === 0) return calendarStatus(io);
  for (const line of USAGE) io.err(line);
  return 2;
}

function calendarAdd(yearText: string, file: string, io: OpsIo): number {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    io.err(`${file} cannot be read as JSON: ${(error as Error).message}`);
    return 1;
  }
  let year: ReturnType<typeof parseCalendarFile>;
  try {
    year = parseCalendarFile(data, file);
  } catch (error) {
    if (!(error instanceof CalendarFileInvalid)) throw error;
    io.err(error.message);
    return 1;
  }
  if (String(year.year) !== yearText) {
    io.err(`${file} is the calendar of ${year.year}, not ${yearText}`);
    return 1;
  }
  const dir = join(io.root, 'calendars');
  const target = join(dir, `${year.year}.json`);
  const replaced = existsSync(target);
  copyFileSync(file, target);
  writeFileSync(join(dir, 'index.ts'), renderCalendarIndex(calendarFileNames(dir)));
  const { weekdaysOff, weekendsWorked } = calendarChanges(year);
  const list = (dates: readonly string[]) => (dates.length ? dates.map((d) => `${d} ${weekday(d)}`).join(', ') : 'none');
  io.out(`calendars/${year.year}.json ${replaced ? 'replaced' : 'added'} from "${year.source.title}" (published ${year.source.publishedOn}).`);
  io.out(`Against plain Monday–Friday, ${year.year} has ${weekdaysOff.length} weekday(s) off and ${weekendsWorked.length} weekend day(s) worked:`);
  io.out(`  days off:     ${list(weekdaysOff)}`);
  io.out(`  days worked:  ${list(weekendsWorked)}`);
  io.out('Commit calendars/ and deploy: the functions carry the calendar from their next bundle.');
  return 0;
}

async function calendarStatus(io: OpsIo): Promise<number> {
  // Loaded here, not at the top: the rules configuration refuses to load while a calendar file is invalid.
  const { calendar, calendarDaysLeftAt, calendarWarning } = await import('#shared/rules-config.ts');
  const years = calendar().coveredYears;
  io.out(`Working-day calendar covers ${years[0]}–${years.at(-1)}; ${calendarDaysLeftAt(io.now())} days left.`);
  const warning = calendarWarning(io.now());
  if (warning) io.out(warning);
  return 0;
}

function weekday(date: string): string {
  return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(`${date}T00:00:00Z`).getUTCDay()]!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const [{ SQSClient }, { LambdaClient }] = await Promise.all([import('@aws-sdk/client-sqs'), import('@aws-sdk/client-lambda')]);
  process.exitCode = await runOps(process.argv.slice(2), {
    root,
    out: console.log,
    err: console.error,
    now: () => new Date(),
    stage: process.env['BAOZHANG_STAGE'] ?? 'dev',
    sqs: new SQSClient({}),
    lambda: new LambdaClient({}),
    progress: process.stderr,
  });
}
