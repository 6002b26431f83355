// Time left in a run, from the share of the source read so far. The rate is measured from the
// first report of this run on, so a resumed read (which starts part-way through its source) is
// not credited with the part read before.

export class EtaEstimator {
  private first: { fraction: number; ms: number } | undefined;

  /** Milliseconds left, or undefined while there is not yet a rate to go by. */
  update(fraction: number, elapsedMs: number): number | undefined {
    if (!this.first) {
      this.first = { fraction, ms: elapsedMs };
      return undefined;
    }
    if (fraction >= 1) return 0;
    const done = fraction - this.first.fraction;
    const took = elapsedMs - this.first.ms;
    if (done <= 0 || took <= 0) return undefined;
    return ((1 - fraction) * took) / done;
  }
}

/** 75_000 → "1m15s"; 3_723_000 → "1h02m"; under a second → "0s". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
