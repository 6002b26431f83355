// Crawler benchmark: pages/s on a local 2,000-notice site (plus its list pages), Custos's crawler
// beside Crawlee's CheerioCrawler crawling the same site with the same concurrency and robots.txt
// on, each in its own process (so each one's peak memory is its own), in the same run.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startNoticeSite } from '../src/sources/simulators/notice-site.js';
import type { Benchmark, BenchResult } from './result.js';

const run = promisify(execFile);
const CHILD = path.resolve(import.meta.dirname, 'crawler-run.ts');
const CONCURRENCY = 8;

async function crawl(which: 'custos' | 'crawlee', start: string) {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', CHILD, which, start, String(CONCURRENCY)],
    {
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        ...process.env,
        CRAWLEE_STORAGE_DIR: path.join(process.env.TMPDIR ?? '/tmp', `crawlee-${process.pid}`),
      },
    },
  );
  const line = stdout.trim().split('\n').at(-1)!;
  return JSON.parse(line) as { ms: number; peakRssMb: number; records: number };
}

export const benchmark: Benchmark = {
  area: 'crawler',
  async run(): Promise<BenchResult[]> {
    const site = await startNoticeSite({ notices: 2_000, perPage: 20 });
    try {
      const start = `${site.url}/notices?page=1`;
      const measure = async (which: 'custos' | 'crawlee') => {
        const before = site.log.length;
        const result = await crawl(which, start);
        const pages = site.log.slice(before).filter((l) => l.path.startsWith('/notices')).length;
        const internal = site.log.slice(before).filter((l) => l.path.startsWith('/internal/')).length;
        if (internal > 0) throw new Error(`${which} fetched ${internal} disallowed pages`);
        return { ...result, pages, rate: (pages * 1000) / result.ms };
      };
      const crawlee = await measure('crawlee');
      const custos = await measure('custos');
      return [
        {
          name: `crawl of ${custos.pages} pages, concurrency ${CONCURRENCY}, robots.txt on (${custos.records} records)`,
          value: custos.rate,
          unit: 'pages/s',
          baseline: { name: `Crawlee CheerioCrawler (${crawlee.pages} pages)`, value: crawlee.rate },
          ratio: custos.rate / crawlee.rate,
          target: 'ratio ≥ 1.0',
          isTargetMet: custos.rate / crawlee.rate >= 1,
        },
        {
          name: 'peak memory (RSS) of the crawling process',
          value: custos.peakRssMb,
          unit: 'MB',
          baseline: { name: 'Crawlee CheerioCrawler', value: crawlee.peakRssMb },
          ratio: custos.peakRssMb / crawlee.peakRssMb,
          target: 'lower than Crawlee',
          isTargetMet: custos.peakRssMb < crawlee.peakRssMb,
        },
      ];
    } finally {
      await site.close();
    }
  },
};
