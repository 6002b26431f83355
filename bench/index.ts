// `npm run bench`: runs every benchmark listed here (or those named on the command line) and prints
// each figure with its ratio to a raw baseline measured in the same run. `--json` prints JSON.

import { type Benchmark, type BenchResult, formatResult } from './result.js';

// Each area adds its benchmark module here: `bench/<area>.ts` exporting `benchmark: Benchmark`.
const benchmarks: Array<() => Promise<Benchmark>> = [
  async () => (await import('./audit.js')).benchmark,
  async () => (await import('./crypto.js')).benchmark,
  async () => (await import('./classify.js')).benchmark,
  async () => (await import('./sources.js')).benchmark,
  async () => (await import('./pipeline.js')).benchmark,
  async () => (await import('./crawler.js')).benchmark,
  async () => (await import('./cli-startup.js')).benchmark,
  async () => (await import('./access.js')).benchmark,
  async () => (await import('./cdc.js')).benchmark,
  async () => (await import('./claims.js')).benchmark,
  async () => (await import('./scorecard.js')).benchmark,
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const asJson = args.includes('--json');
  const only = args.filter((a) => !a.startsWith('--'));
  const all: Array<BenchResult & { area: string }> = [];
  if (benchmarks.length === 0) console.log('no benchmarks registered yet');
  for (const load of benchmarks) {
    const benchmark = await load();
    if (only.length > 0 && !only.includes(benchmark.area)) continue;
    if (!asJson) console.log(`# ${benchmark.area}`);
    for (const result of await benchmark.run()) {
      all.push({ area: benchmark.area, ...result });
      if (!asJson) console.log(formatResult(result));
    }
  }
  if (asJson) console.log(JSON.stringify(all, null, 2));
}

await main();
