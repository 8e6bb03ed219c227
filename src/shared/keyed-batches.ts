/**
 * Batches of work per key, formed by waiting rather than by a timer ("smart batching"): the first
 * item of a key runs at once, alone; items of the same key that arrive while it runs wait, and run
 * together as the next batch when it ends. At low load nothing waits and nothing is added to an
 * item's latency; under load a batch holds what arrived during one round trip.
 *
 * Used where parallel work on one key waits for the same database row anyway (a SKU's stock row):
 * one statement for the batch pays the row's lock hand-over, the round trip and the commit once,
 * instead of once per item. Different keys run in parallel.
 */
export interface KeyedBatches<Item, Result> {
  submit(key: string, item: Item): Promise<Result>;
}

export function createKeyedBatches<Item, Result>(options: {
  /** the most items one batch takes; the rest wait for the next */
  maxBatch: number;
  /**
   * Batches of one key in flight at once (default 1). Two let the next batch wait at the
   * database (for the row lock) while the one before it runs, instead of leaving only when that
   * one's answer is back: the round trip is then off the key's critical path.
   */
  maxInFlight?: number;
  /** runs one batch and answers one result per item, in the items' order */
  run: (items: Item[]) => Promise<Result[]>;
  /**
   * Whether a batch of several that failed should be run again item by item, so that one bad item
   * fails alone (an error of the statement). Not when the work may have been done (a lost
   * connection): then every item of the batch gets the error, as a lone item would.
   */
  retryAlone: (error: unknown) => boolean;
  /** told each batch's size as it starts (a metric) */
  onBatch?: (size: number) => void;
}): KeyedBatches<Item, Result> {
  interface Waiting {
    item: Item;
    resolve: (result: Result) => void;
    reject: (error: unknown) => void;
  }
  interface Lane {
    running: number;
    waiting: Waiting[];
  }
  /** A key is present while a batch of it runs or waits. */
  const lanes = new Map<string, Lane>();
  const maxInFlight = options.maxInFlight ?? 1;

  async function runBatch(batch: Waiting[]): Promise<void> {
    try {
      options.onBatch?.(batch.length);
      const results = await options.run(batch.map((w) => w.item));
      if (results.length !== batch.length)
        throw new Error(`a batch of ${batch.length} answered ${results.length} results`);
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1 || !options.retryAlone(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
      // One after another, in this batch's place in its lane.
      for (const w of batch) await runBatch([w]);
    }
  }

  function pump(key: string, lane: Lane): void {
    while (lane.running < maxInFlight && lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0, options.maxBatch);
      lane.running += 1;
      void runBatch(batch).then(() => {
        lane.running -= 1;
        if (lane.running === 0 && lane.waiting.length === 0) lanes.delete(key);
        else pump(key, lane);
      });
    }
  }

  return {
    submit(key, item) {
      return new Promise<Result>((resolve, reject) => {
        let lane = lanes.get(key);
        if (!lane) {
          lane = { running: 0, waiting: [] };
          lanes.set(key, lane);
        }
        lane.waiting.push({ item, resolve, reject });
        pump(key, lane);
      });
    },
  };
}
