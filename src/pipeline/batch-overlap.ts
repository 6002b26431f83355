// How two threads share a run: the batch whose seals and hashes are being made on the protect
// thread waits here, unstored, while this thread prepares the next batch (validate, classify,
// admit, data keys); it is stored when the next one is handed over in turn. Both threads work all
// along, and batches are still stored one after another, in source order.

/** A batch handed over while its protection is under way (`records` settles when done). */
export interface InFlight {
  records: Promise<unknown>;
}

export class BatchOverlap<B extends InFlight> {
  private waiting: B | undefined;

  /** `store` awaits the batch's protection, then stores it. */
  constructor(private readonly store: (batch: B) => Promise<void>) {}

  /** Stores the batch handed over before, then keeps this one until the next hand-over or flush. */
  async handOver(batch: B): Promise<void> {
    // Awaited when stored; the store of the batch before may throw first.
    batch.records.catch(() => undefined);
    await this.flush();
    this.waiting = batch;
  }

  /** Stores the waiting batch, if any. */
  async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = undefined;
    if (batch) await this.store(batch);
  }
}
