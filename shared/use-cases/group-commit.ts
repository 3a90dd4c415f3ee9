/**
 * Group commit: callers submit one input each; a write starts whenever fewer than `maxInFlight`
 * are running and carries everything submitted meanwhile (at most `maxBatch`). Under light load a
 * write carries one input and waits for nothing; under heavy load batches grow to the limit, so
 * round trips per input fall as the load rises — with no timer and no fixed batch size to tune.
 *
 * `write` answers each input of its batch in order, or throws for the whole batch.
 */
export class GroupCommit<I, O> {
  private queue: { input: I; resolve: (output: O) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;
  private waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(
    private readonly write: (inputs: I[]) => Promise<O[]>,
    private readonly options: { maxBatch: number; maxInFlight: number },
  ) {}

  /** The input's output, once the write carrying it is done. */
  submit(input: I): Promise<O> {
    const output = new Promise<O>((resolve, reject) => this.queue.push({ input, resolve, reject }));
    // Inputs submitted in the same turn of the event loop share a write.
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    }
    return output;
  }

  /** Waits while `limit` or more inputs wait for a write (back-pressure on whoever submits). */
  async room(limit: number): Promise<void> {
    while (this.queue.length >= limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private pump(): void {
    while (this.running < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running += 1;
      this.write(batch.map((entry) => entry.input))
        .then(
          (outputs) => batch.forEach((entry, i) => entry.resolve(outputs[i]!)),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.running -= 1;
          this.pump();
          const waiting = this.waiting;
          this.waiting = [];
          for (const wake of waiting) wake();
        });
    }
  }
}
