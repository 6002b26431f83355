// A bounded hand-over between a replication client's event callbacks and the CDC reader's loop:
// the client waits (and stops reading the socket) while the queue is full, so a slow pipeline
// holds changes on the partner's server (where the slot or binlog keeps them) instead of in memory.

export class ChangeQueue<T> {
  private readonly items: T[] = [];
  private failure: unknown;
  private isEnded = false;
  private wakeReader: (() => void) | undefined;
  private readonly writers: Array<() => void> = [];

  constructor(private readonly highWaterMark: number) {}

  /** Adds an item. Undefined while the queue has room; else a promise of room again. */
  push(item: T): Promise<void> | undefined {
    this.items.push(item);
    this.wake();
    return this.isFull() ? this.room() : undefined;
  }

  private isFull(): boolean {
    return this.items.length >= this.highWaterMark && !this.isEnded && this.failure === undefined;
  }

  private async room(): Promise<void> {
    while (this.isFull()) await new Promise<void>((resolve) => this.writers.push(resolve));
  }

  /** The replication client failed: the reader sees the error on its next take. */
  fail(error: unknown): void {
    this.failure ??= error ?? new Error('replication stream failed');
    this.wake();
    this.releaseWriters();
  }

  /** No more items will come (the reader stopped, or the stream ended). */
  end(): void {
    this.isEnded = true;
    this.wake();
    this.releaseWriters();
  }

  /** The next item, or undefined when none arrives within `timeoutMs` or the queue has ended. */
  async take(timeoutMs: number, signal?: AbortSignal): Promise<T | undefined> {
    for (;;) {
      if (this.items.length > 0) {
        const item = this.items.shift() as T;
        if (this.items.length < this.highWaterMark) this.releaseWriters();
        return item;
      }
      if (this.failure !== undefined) throw this.failure;
      signal?.throwIfAborted();
      if (this.isEnded) return undefined;
      const woken = await new Promise<boolean>((resolve) => {
        // Every way out removes the others: a long run waits here thousands of times.
        const done = (isWoken: boolean) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.wakeReader = undefined;
          resolve(isWoken);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        const onAbort = () => done(true);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.wakeReader = () => done(true);
      });
      if (!woken) return undefined;
    }
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  private releaseWriters(): void {
    for (const release of this.writers.splice(0)) release();
  }
}
