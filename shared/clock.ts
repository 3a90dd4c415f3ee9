/**
 * The one source of "now" for handlers and jobs. Rules never read the clock: handlers pass
 * the instant in. Tests and the local runtime may replace the source (e.g. to move time past a
 * claim window) through `setClock`; production uses the system clock.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

let current: Clock = systemClock;

export const clock: Clock = { now: () => current.now() };

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
