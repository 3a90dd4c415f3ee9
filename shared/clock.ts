import { toIso, type Instant } from '#shared/rules/time.ts';

/**
 * The one source of "now" for handlers and jobs. Rules and use cases never read the clock: a
 * handler (or job) takes `nowInstant()` once and passes that instant down. Tests and the local runtime may replace the source (e.g. to move time past a
 * claim window) through `setClock`; production uses the system clock.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

let current: Clock = systemClock;

export const clock: Clock = { now: () => current.now() };

/** "Now" as the rules write instants (+08:00): what a handler reads once and passes to its use case. */
export function nowInstant(): Instant {
  return toIso(clock.now().getTime());
}

export function setClock(next: Clock): void {
  current = next;
}

/** A clock that stands still until moved: `const c = fixedClock('2026-11-21T10:00:00+08:00')`. */
export function fixedClock(start: string | Date): Clock & { set(at: string | Date): void; advance(ms: number): void } {
  let at = new Date(start);
  return {
    now: () => new Date(at),
    set: (next) => {
      at = new Date(next);
    },
    advance: (ms) => {
      at = new Date(at.getTime() + ms);
    },
  };
}
