// CLI start-up: wall time of `custos --version`, `custos --help` and `custos collect --help` (the
// built bin, a fresh process each time) beside `node -e 0` spawned the same way in the same run.
// The figure is the median of N spawns (CUSTOS_BENCH_CLI_SPAWNS, default 15); the ratio says how
// many times a bare Node start it takes. Target (issue 14): --help and --version within 0.3 s.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Benchmark, BenchResult } from './result.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/custos.js');
const SPAWNS = Number(process.env.CUSTOS_BENCH_CLI_SPAWNS ?? 15);
const TARGET_MS = 300;

function medianSpawnMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < SPAWNS; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export const benchmark: Benchmark = {
  area: 'cli-startup',
  async run(): Promise<BenchResult[]> {
    if (!existsSync(path.join(ROOT, 'dist/cli/bin.js'))) throw new Error('run `npm run build` first');
    const results: BenchResult[] = [];
    for (const args of [['--version'], ['--help'], ['collect', '--help']]) {
      // Interleaved with its own baseline so both see the same load on a shared machine.
      const baseline = medianSpawnMs(['-e', '0']);
      const value = medianSpawnMs([BIN, ...args]);
      const isTargeted = args.length === 1;
      results.push({
        name: `custos ${args.join(' ')}`,
        value,
        unit: 'ms (median)',
        baseline: { name: 'node -e 0', value: baseline },
        ratio: value / baseline,
        ...(isTargeted ? { target: `≤ ${TARGET_MS} ms`, isTargetMet: value <= TARGET_MS } : {}),
        note: `${SPAWNS} spawns; ratio = times a bare node start`,
      });
    }
    return results;
  },
};
