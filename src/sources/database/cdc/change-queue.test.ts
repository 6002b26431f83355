import { describe, expect, it } from 'vitest';
import { ChangeQueue } from './change-queue.js';

describe('ChangeQueue', () => {
  it('hands items over in order and holds writers back while full', async () => {
    const queue = new ChangeQueue<number>(2);
    expect(queue.push(1)).toBeUndefined();
    const full = queue.push(2);
    expect(full).toBeInstanceOf(Promise);
    let released = false;
    void full?.then(() => {
      released = true;
    });
    expect(await queue.take(10)).toBe(1);
    await Promise.resolve();
    expect(released).toBe(true);
    expect(await queue.take(10)).toBe(2);
    expect(await queue.take(10)).toBeUndefined();
  });

  it('leaves no abort listener behind after many timed-out waits', async () => {
    const controller = new AbortController();
    const added: unknown[] = [];
    const removed: unknown[] = [];
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, listener: never, options?: never) => {
      added.push(listener);
      add(type, listener, options);
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, listener: never) => {
      removed.push(listener);
      remove(type, listener);
    }) as typeof signal.removeEventListener;
    const queue = new ChangeQueue<number>(2);
    for (let i = 0; i < 20; i++) expect(await queue.take(1, signal)).toBeUndefined();
    expect(removed.length).toBe(added.length);
  });

  it('passes a failure to the reader', async () => {
    const queue = new ChangeQueue<number>(2);
    queue.fail(new Error('stream broke'));
    await expect(queue.take(10)).rejects.toThrow('stream broke');
  });
});
