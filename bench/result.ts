// What every benchmark reports: its figure, the raw baseline measured in the same run, the ratio,
// and the target the issue set. Absolute times drift on a shared machine; ratios are the figure.

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** value / baseline for throughput (higher is better); for latency, state what it means in `note`. */
  ratio?: number;
  target?: string;
  isTargetMet?: boolean;
  note?: string;
}

export interface Benchmark {
  area: string;
  run(): Promise<BenchResult[]>;
}

export function formatResult(result: BenchResult): string {
  const figure = `${round(result.value)} ${result.unit}`;
  const baseline = result.baseline
    ? `  baseline ${result.baseline.name}: ${round(result.baseline.value)}`
    : '';
  const ratio = result.ratio === undefined ? '' : `  ratio ${result.ratio.toFixed(2)}`;
  const target =
    result.target === undefined ? '' : `  target ${result.target} ${result.isTargetMet ? 'MET' : 'NOT MET'}`;
  const note = result.note ? `  (${result.note})` : '';
  return `${result.name}: ${figure}${baseline}${ratio}${target}${note}`;
}

function round(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}

/** Runs `fn` repeatedly for at least `minMs` and returns operations per second. */
export async function measureRate(
  fn: () => unknown | Promise<unknown>,
  operationsPerCall: number,
  minMs = 1000,
) {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    await fn();
    calls += 1;
    elapsed = performance.now() - start;
  }
  return (calls * operationsPerCall * 1000) / elapsed;
}
