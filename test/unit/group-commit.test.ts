import { describe, expect, it } from 'vitest';
import { GroupCommit } from '#shared/use-cases/group-commit.ts';

/** A write whose completion the test controls; it records the batches it was given. */
function controlledWrite() {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const write = (inputs: number[]) =>
    new Promise<number[]>((resolve) => {
      batches.push(inputs);
      pending.push(() => resolve(inputs.map((n) => n * 10)));
    });
  const finishNext = async () => {
    pending.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { write, batches, pending, finishNext };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('GroupCommit (the payout job writes several payouts in one transaction when busy)', () => {
  it('an input submitted alone is written alone, at once', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { maxBatch: 25, maxInFlight: 2 });
    const output = group.submit(1);
    await tick();
    expect(w.batches).toEqual([[1]]);
    await w.finishNext();
    await expect(output).resolves.toBe(10);
  });

  it('inputs arriving while the writes in flight are busy share the next write, up to maxBatch, in order', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { maxBatch: 3, maxInFlight: 1 });
    const outputs = [group.submit(1)];
    await tick();
    for (let n = 2; n <= 6; n += 1) outputs.push(group.submit(n));
    await tick();
    expect(w.batches).toEqual([[1]]); // one in flight at most
    await w.finishNext();
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    await w.finishNext();
    await w.finishNext();
    expect(w.batches).toEqual([[1], [2, 3, 4], [5, 6]]);
    await expect(Promise.all(outputs)).resolves.toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('inputs submitted in the same turn share one write', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { maxBatch: 25, maxInFlight: 2 });
    const outputs = [group.submit(1), group.submit(2), group.submit(3)];
    await tick();
    expect(w.batches).toEqual([[1, 2, 3]]);
    await w.finishNext();
    await expect(Promise.all(outputs)).resolves.toEqual([10, 20, 30]);
  });

  it('a write that throws fails every input it carried, and the next write still runs', async () => {
    let calls = 0;
    const group = new GroupCommit(
      async (inputs: number[]) => {
        calls += 1;
        if (calls === 1) throw new Error('table unavailable');
        return inputs;
      },
      { maxBatch: 25, maxInFlight: 1 },
    );
    const first = [group.submit(1), group.submit(2)];
    await expect(Promise.allSettled(first)).resolves.toEqual([
      { status: 'rejected', reason: new Error('table unavailable') },
      { status: 'rejected', reason: new Error('table unavailable') },
    ]);
    await expect(group.submit(3)).resolves.toBe(3);
  });

  it('room() holds a producer back while the backlog is at the limit, and lets it go once a write finishes', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { maxBatch: 2, maxInFlight: 1 });
    void group.submit(1);
    await tick();
    for (let n = 2; n <= 5; n += 1) void group.submit(n);
    let released = false;
    const waiting = group.room(4).then(() => (released = true));
    await tick();
    expect(released).toBe(false); // 4 waiting: 2, 3, 4, 5
    await w.finishNext(); // [2, 3] starts: 2 waiting
    await waiting;
    expect(released).toBe(true);
  });
});
