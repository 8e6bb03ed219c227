import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeyedBatches } from '../../src/shared/keyed-batches';

/**
 * Smart batching per key, driven by hand: every call to `run` returns a promise the test settles
 * when it chooses, so "a batch is in flight" is a state the test holds, not a race it hopes for.
 * Items are strings "<key>:<name>"; a batch answers "done:<item>" per item.
 */
interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every promise callback queued so far run (a batch's end starts the next batch in callbacks). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const keyOf = (item: string) => item.slice(0, item.indexOf(':'));
const answerFor = (item: string) => `done:${item}`;

interface RunCall {
  items: string[];
  answer: Deferred<string[]>;
  /** answers every item of this call as it should be */
  succeed(): void;
  fail(error: unknown): void;
}

function manualBatches(options: { maxBatch: number; maxInFlight?: number; retryAlone?: (error: unknown) => boolean }) {
  const calls: RunCall[] = [];
  const sizes: number[] = [];
  /** per key: runs started and not yet settled by the test, and the most seen at once */
  const inFlight = new Map<string, number>();
  let mostInFlight = 0;
  const batches = createKeyedBatches<string, string>({
    maxBatch: options.maxBatch,
    maxInFlight: options.maxInFlight,
    retryAlone: options.retryAlone ?? (() => true),
    onBatch: (size) => sizes.push(size),
    run: (items) => {
      const key = keyOf(items[0]!);
      expect(items.every((item) => keyOf(item) === key)).toBe(true);
      const running = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, running);
      mostInFlight = Math.max(mostInFlight, running);
      const answer = deferred<string[]>();
      const done = () => inFlight.set(key, inFlight.get(key)! - 1);
      calls.push({
        items,
        answer,
        succeed: () => {
          done();
          answer.resolve(items.map(answerFor));
        },
        fail: (error) => {
          done();
          answer.reject(error);
        },
      });
      return answer.promise;
    },
  });
  /** Submits and records how the item's promise settled, so a test can look without awaiting. */
  const outcomes = new Map<string, { result?: string; error?: unknown }>();
  const submit = (item: string) => {
    const promise = batches.submit(keyOf(item), item);
    promise.then(
      (result) => outcomes.set(item, { result }),
      (error: unknown) => outcomes.set(item, { error }),
    );
    return promise;
  };
  return {
    calls,
    sizes,
    outcomes,
    submit,
    batchesOf: () => calls.map((c) => c.items),
    mostInFlight: () => mostInFlight,
  };
}

describe('keyed batches: forming batches', () => {
  it('runs a lone item at once, alone', async () => {
    const b = manualBatches({ maxBatch: 8 });
    const result = b.submit('k:a');
    // Synchronously: nothing waits for a timer or a tick.
    expect(b.batchesOf()).toEqual([['k:a']]);
    expect(b.sizes).toEqual([1]);
    b.calls[0]!.succeed();
    expect(await result).toBe('done:k:a');
  });

  it('combines the items that arrive while a batch runs into the next batch, in arrival order', async () => {
    const b = manualBatches({ maxBatch: 8 });
    const first = b.submit('k:a');
    const rest = ['k:b', 'k:c', 'k:d'].map((item) => b.submit(item));
    await settle();
    expect(b.batchesOf()).toEqual([['k:a']]);

    b.calls[0]!.succeed();
    await settle();
    expect(b.batchesOf()).toEqual([['k:a'], ['k:b', 'k:c', 'k:d']]);
    // The next batch waits for the database, not for the first batch's callers.
    expect(await first).toBe('done:k:a');
    b.calls[1]!.succeed();
    expect(await Promise.all(rest)).toEqual(['done:k:b', 'done:k:c', 'done:k:d']);
    expect(b.sizes).toEqual([1, 3]);
  });

  it('splits what waits into batches of at most maxBatch', async () => {
    const b = manualBatches({ maxBatch: 2 });
    const all = ['k:a', 'k:b', 'k:c', 'k:d', 'k:e', 'k:f'].map((item) => b.submit(item));
    for (let i = 0; i < 4; i++) {
      expect(b.calls).toHaveLength(i + 1);
      b.calls[i]!.succeed();
      await settle();
    }
    expect(b.batchesOf()).toEqual([['k:a'], ['k:b', 'k:c'], ['k:d', 'k:e'], ['k:f']]);
    expect(await Promise.all(all)).toEqual(['k:a', 'k:b', 'k:c', 'k:d', 'k:e', 'k:f'].map(answerFor));
  });

  it('with maxInFlight 2 runs two batches of a key at once and never a third', async () => {
    const b = manualBatches({ maxBatch: 8, maxInFlight: 2 });
    const all = [b.submit('k:a'), b.submit('k:b')];
    expect(b.batchesOf()).toEqual([['k:a'], ['k:b']]);
    all.push(b.submit('k:c'), b.submit('k:d'));
    await settle();
    expect(b.calls).toHaveLength(2);

    // The second batch ends first: its slot takes everything that waits.
    b.calls[1]!.succeed();
    await settle();
    expect(b.batchesOf()).toEqual([['k:a'], ['k:b'], ['k:c', 'k:d']]);
    all.push(b.submit('k:e'));
    await settle();
    expect(b.calls).toHaveLength(3);
    expect(b.outcomes.get('k:b')).toEqual({ result: 'done:k:b' });
    expect(b.outcomes.has('k:a')).toBe(false);

    b.calls[0]!.succeed();
    await settle();
    expect(b.batchesOf()[3]).toEqual(['k:e']);
    b.calls[2]!.succeed();
    b.calls[3]!.succeed();
    expect(await Promise.all(all)).toEqual(['k:a', 'k:b', 'k:c', 'k:d', 'k:e'].map(answerFor));
    expect(b.mostInFlight()).toBe(2);
  });

  it('runs different keys in parallel, each with its own batches', async () => {
    const b = manualBatches({ maxBatch: 8, maxInFlight: 1 });
    const all = [b.submit('x:1'), b.submit('y:1'), b.submit('x:2'), b.submit('y:2'), b.submit('x:3')];
    expect(b.batchesOf()).toEqual([['x:1'], ['y:1']]);
    b.calls[1]!.succeed();
    await settle();
    // y's next batch starts although x's first is still running.
    expect(b.batchesOf()).toEqual([['x:1'], ['y:1'], ['y:2']]);
    b.calls[0]!.succeed();
    await settle();
    expect(b.batchesOf()[3]).toEqual(['x:2', 'x:3']);
    b.calls[2]!.succeed();
    b.calls[3]!.succeed();
    expect(await Promise.all(all)).toEqual(['x:1', 'y:1', 'x:2', 'y:2', 'x:3'].map(answerFor));
  });

  it("gives each caller its own item's result, by position in the batch", async () => {
    const batches = createKeyedBatches<{ id: string; units: number }, string>({
      maxBatch: 8,
      retryAlone: () => true,
      // Each result names its item, so a shifted or reversed mapping shows.
      run: async (items) => items.map((item) => `${item.id}×${item.units}`),
    });
    const answers = await Promise.all(
      [5, 1, 4, 2, 3].map((units, i) => batches.submit('k', { id: `item${i}`, units })),
    );
    expect(answers).toEqual(['item0×5', 'item1×1', 'item2×4', 'item3×2', 'item4×3']);
  });
});

describe('keyed batches: failures', () => {
  it('re-runs a failed batch of several item by item, so only the bad item rejects', async () => {
    const statementError = new Error('check constraint violated by k:bad');
    const seen: unknown[] = [];
    const b = manualBatches({
      maxBatch: 8,
      retryAlone: (error) => {
        seen.push(error);
        return true;
      },
    });
    void b.submit('k:first');
    const waiting = ['k:b', 'k:bad', 'k:c'].map((item) => b.submit(item));
    b.calls[0]!.succeed();
    await settle();
    b.calls[1]!.fail(statementError);
    await settle();
    expect(seen).toEqual([statementError]);

    // One at a time, in the batch's order, each waiting for the one before.
    for (const [i, item] of ['k:b', 'k:bad', 'k:c'].entries()) {
      expect(b.calls).toHaveLength(3 + i);
      expect(b.calls[2 + i]!.items).toEqual([item]);
      if (item === 'k:bad') b.calls[2 + i]!.fail(new Error('k:bad alone'));
      else b.calls[2 + i]!.succeed();
      await settle();
    }
    const settled = await Promise.allSettled(waiting);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 'done:k:b' });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: new Error('k:bad alone') });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: 'done:k:c' });
    // A lone item that fails is never retried: retryAlone was asked once, about the batch.
    expect(seen).toHaveLength(1);
    expect(b.sizes).toEqual([1, 3, 1, 1, 1]);
  });

  it('rejects every item of the batch with its error when retryAlone says no', async () => {
    const lost = new Error('connection lost: the batch may have committed');
    const b = manualBatches({ maxBatch: 8, retryAlone: () => false });
    void b.submit('k:first');
    const waiting = ['k:a', 'k:b', 'k:c'].map((item) => b.submit(item));
    b.calls[0]!.succeed();
    await settle();
    b.calls[1]!.fail(lost);
    const settled = await Promise.allSettled(waiting);
    expect(settled).toEqual(waiting.map(() => ({ status: 'rejected', reason: lost })));
    // The very same error object, and no second run of any item.
    for (const s of settled) expect((s as PromiseRejectedResult).reason).toBe(lost);
    expect(b.calls).toHaveLength(2);
  });

  it('rejects a batch whose run answered a different number of results than items', async () => {
    const short = createKeyedBatches<string, string>({
      maxBatch: 8,
      retryAlone: () => false,
      run: async (items) => items.slice(1).map(answerFor),
    });
    await expect(short.submit('k', 'k:alone')).rejects.toThrow('a batch of 1 answered 0 results');

    const gate = deferred<void>();
    const long = createKeyedBatches<string, string>({
      maxBatch: 8,
      retryAlone: () => false,
      run: async (items) => {
        if (items[0] === 'k:first') await gate.promise;
        return items.length === 1 ? items.map(answerFor) : [...items, 'extra'].map(answerFor);
      },
    });
    const first = long.submit('k', 'k:first');
    const pair = [long.submit('k', 'k:a'), long.submit('k', 'k:b')].map((answer) =>
      expect(answer).rejects.toThrow('a batch of 2 answered 3 results'),
    );
    gate.resolve();
    expect(await first).toBe('done:k:first');
    await Promise.all(pair);
  });

  it('with retryAlone, a wrong count of a batch of several is retried alone and each item answered', async () => {
    const gate = deferred<void>();
    const calls: string[][] = [];
    const batches = createKeyedBatches<string, string>({
      maxBatch: 8,
      retryAlone: () => true,
      run: async (items) => {
        calls.push(items);
        if (items[0] === 'k:first') await gate.promise;
        // Several items lose one answer; one alone is answered right.
        return items.length > 1 ? items.slice(1).map(answerFor) : items.map(answerFor);
      },
    });
    const first = batches.submit('k', 'k:first');
    const pair = [batches.submit('k', 'k:a'), batches.submit('k', 'k:b')];
    gate.resolve();
    expect(await Promise.all([first, ...pair])).toEqual(['k:first', 'k:a', 'k:b'].map(answerFor));
    expect(calls).toEqual([['k:first'], ['k:a', 'k:b'], ['k:a'], ['k:b']]);
  });

  it('leaves the key usable after errors: the next item runs at once, alone', async () => {
    for (const retry of [true, false]) {
      const b = manualBatches({ maxBatch: 8, maxInFlight: 2, retryAlone: () => retry });
      const failing = [b.submit('k:a'), b.submit('k:b'), b.submit('k:c'), b.submit('k:d')];
      b.calls[0]!.fail(new Error('a failed'));
      b.calls[1]!.fail(new Error('b failed'));
      await settle();
      // c and d went together into the freed slots' first batch.
      expect(b.batchesOf()[2]).toEqual(['k:c', 'k:d']);
      b.calls[2]!.fail(new Error('c and d failed'));
      await settle();
      if (retry) {
        // Alone, one after the other; both fail again.
        b.calls[3]!.fail(new Error('c failed'));
        await settle();
        b.calls[4]!.fail(new Error('d failed'));
      }
      const settled = await Promise.allSettled(failing);
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
      await settle();
      const callsBefore = b.calls.length;

      // Nothing of the failed batches holds a slot: two new items start at once, each alone.
      const after = [b.submit('k:e'), b.submit('k:f')];
      expect(b.batchesOf().slice(callsBefore)).toEqual([['k:e'], ['k:f']]);
      b.calls[callsBefore]!.succeed();
      b.calls[callsBefore + 1]!.succeed();
      expect(await Promise.all(after)).toEqual(['done:k:e', 'done:k:f']);
    }
  });
});

describe('keyed batches: any arrival schedule (property)', () => {
  /** One step of a schedule: an item of a key arrives, or one of the running batches ends. */
  type Step = { arrive: string; bad: boolean } | { finish: number };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ arrive: fc.constantFrom('x', 'y', 'z'), bad: fc.boolean() }),
    fc.record({ finish: fc.nat() }),
  );

  it('answers every item exactly once with its own result, within maxBatch and maxInFlight', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(stepArb, { maxLength: 60 }),
        async (maxBatch, maxInFlight, schedule) => {
          const b = manualBatches({ maxBatch, maxInFlight, retryAlone: () => true });
          const bad = new Set<string>();
          const submitted: string[] = [];
          const pending = new Set<RunCall>();
          let seen = 0;
          const track = () => {
            for (; seen < b.calls.length; seen++) pending.add(b.calls[seen]!);
          };
          // A batch fails when it holds a bad item (a statement error), and succeeds otherwise.
          const finish = (call: RunCall) => {
            pending.delete(call);
            if (call.items.some((item) => bad.has(item))) call.fail(new Error(`bad item in ${call.items.join(',')}`));
            else call.succeed();
          };
          const promises: Promise<string>[] = [];
          for (const step of schedule) {
            if ('arrive' in step) {
              const item = `${step.arrive}:${submitted.length}`;
              if (step.bad) bad.add(item);
              submitted.push(item);
              promises.push(b.submit(item));
            } else if (pending.size > 0) finish([...pending][step.finish % pending.size]!);
            await settle();
            track();
          }
          // Drain: end whatever runs until nothing is left.
          while (pending.size > 0) {
            finish([...pending][0]!);
            await settle();
            track();
          }
          // Nothing is left waiting once no batch runs (a stuck lane would hang the awaits below).
          expect(b.outcomes.size).toBe(submitted.length);
          const settled = await Promise.allSettled(promises);

          for (const [i, item] of submitted.entries()) {
            if (bad.has(item)) expect(settled[i]!.status).toBe('rejected');
            else expect(settled[i]).toEqual({ status: 'fulfilled', value: answerFor(item) });
          }
          // Each good item was in exactly one batch that succeeded; a bad one in none.
          const succeeded = b.calls.filter((c) => !c.items.some((item) => bad.has(item))).flatMap((c) => c.items);
          expect([...succeeded].sort()).toEqual(submitted.filter((item) => !bad.has(item)).sort());
          expect(b.calls.every((c) => c.items.length >= 1 && c.items.length <= maxBatch)).toBe(true);
          expect(b.mostInFlight()).toBeLessThanOrEqual(maxInFlight);
          // Per key, batches take items first come, first served (retries aside, which repeat a batch).
          for (const key of ['x', 'y', 'z']) {
            const firstRuns = [...new Set(b.calls.flatMap((c) => c.items).filter((item) => keyOf(item) === key))];
            expect(firstRuns).toEqual(submitted.filter((item) => keyOf(item) === key));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
