// Child process of the crawler benchmark: crawls URL with Custos's crawler or Crawlee's
// CheerioCrawler at the given concurrency (robots.txt on for both) and prints
// {"ms":…, "peakRssMb":…, "records":…} on stdout.

const [which, start, concurrencyText] = process.argv.slice(2) as [string, string, string];
const concurrency = Number(concurrencyText);
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);
const began = performance.now();
let records = 0;

if (which === 'custos') {
  const { openSource } = await import('../src/sources/registry.js');
  const source = openSource(
    {
      name: 'bench-site',
      type: 'crawler',
      egress: { allow: ['127.0.0.1'], allowPrivate: true },
      startUrls: [start],
      sitemap: false,
      maxPages: 10_000,
      maxDepth: 1_000,
      politeness: { minDelayMs: 0, perHostConcurrency: concurrency, concurrency },
      pagesPerBatch: 100,
      streams: {
        notices: {
          match: '^/notices/\\d+$',
          fields: {
            title: 'h1.title',
            published: { selector: 'time.published', attr: 'datetime' },
            body: '.body',
          },
        },
      },
    } as never,
    { workspaceDir: process.cwd(), env: {}, allowPrivateNetworks: true, userAgent: 'Custos/0.1 (bench)' },
  );
  for await (const batch of source.read('notices', null)) records += batch.records.length;
  await source.close();
} else {
  process.env.CRAWLEE_PERSIST_STORAGE = 'false';
  process.env.CRAWLEE_LOG_LEVEL = 'OFF';
  const { CheerioCrawler, Configuration } = await import('@crawlee/cheerio');
  const crawler = new CheerioCrawler(
    {
      maxConcurrency: concurrency,
      minConcurrency: concurrency,
      respectRobotsTxtFile: true,
      maxRequestsPerCrawl: 10_000,
      async requestHandler({ $, request, enqueueLinks }) {
        if (/\/notices\/\d+$/.test(request.url)) {
          const record = {
            title: $('h1.title').text(),
            published: $('time.published').attr('datetime'),
            body: $('.body').text(),
          };
          if (record.title) records += 1;
        }
        await enqueueLinks({ strategy: 'same-hostname' });
      },
    },
    new Configuration({ persistStorage: false }),
  );
  await crawler.run([start]);
}
clearInterval(sampler);
process.stdout.write(
  `${JSON.stringify({ ms: performance.now() - began, peakRssMb: peak / 1024 / 1024, records })}\n`,
);
process.exit(0);
