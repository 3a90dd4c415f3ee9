/**
 * The correlation id of the work in progress: set by the handler wrappers (the API request's
 * `x-correlation-id` header or its request id, the inbound event's id, the job run's execution id)
 * and read wherever a fact leaves the process — every log line (shared/logger.ts) and every outbox
 * item (shared/store/outbox.ts), whose event out carries it as `correlationId`. So one search for
 * the id shows what a request or an order event did and the events it caused.
 *
 * An AsyncLocalStorage rather than a field on the Lambda context: it reaches the store functions
 * without a parameter on every use case, and the local runtime, which serves many requests in one
 * process at once, keeps each request's id apart.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const store = new AsyncLocalStorage<string>();

/** At most this many characters of a caller's id are kept (it ends up in every log line and event). */
const MAX_LENGTH = 128;

/** Runs `work` with `id` as the correlation id of everything it does. */
export function withCorrelationId<T>(id: string | undefined, work: () => T): T {
  const cleaned = id?.trim().slice(0, MAX_LENGTH);
  return cleaned ? store.run(cleaned, work) : work();
}

/** The correlation id of the current request, event or job run; undefined outside one. */
export function correlationId(): string | undefined {
  return store.getStore();
}

/** Header a caller may send (and gets back) to choose the id of its request. */
export const CORRELATION_HEADER = 'x-correlation-id';
