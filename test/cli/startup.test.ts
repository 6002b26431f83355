// `custos --version`, `--help` and a command's own help start without loading what they do not use:
// every command's modules (API server, store, pipeline, sources, crypto) load only when it runs.
// A module trace of the real bin, not a timing test (bench/cli-startup.ts measures the time).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/custos.js');
const TRACE = path.join(ROOT, 'test/support/module-trace.mjs');

/** Layers and libraries that no command needs before its action runs. */
const HEAVY = [
  /\/dist\/(api|store|pipeline|sources|governance|crypto|audit|classify|workspace)\//,
  /\/dist\/context\.js$/,
  /\/node_modules\/(fastify|@fastify\/[^/]+|kysely|better-sqlite3|pg|mysql2|pino|zod|yaml|undici|cheerio|exceljs|sm-crypto|@node-rs\/argon2|cli-progress|csv-parse|prom-client|croner|stream-json|jsonpath-plus)\//,
];

describe('custos start-up', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(path.join(ROOT, 'dist/cli/bin.js')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it) before this test');
    dir = mkdtempSync(path.join(tmpdir(), 'custos-trace-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function loadedBy(args: string[]): { stdout: string; heavy: string[]; count: number } {
    const file = path.join(dir, `${args.join('_').replace(/\W/g, '')}.trace`);
    const result = spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], {
      env: { ...process.env, CUSTOS_MODULE_TRACE: file, CUSTOS_LANG: 'en' },
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    const urls = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
    const files = urls.map((url) => fileURLToPath(url));
    return {
      stdout: result.stdout,
      heavy: files.filter((f) => HEAVY.some((pattern) => pattern.test(f))).map((f) => path.relative(ROOT, f)),
      count: files.length,
    };
  }

  it('prints --version loading no command’s modules', () => {
    const { stdout, heavy } = loadedBy(['--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(heavy).toEqual([]);
  });

  it('prints --help, listing every command, loading no command’s modules', () => {
    const { stdout, heavy } = loadedBy(['--help']);
    for (const command of ['serve', 'collect', 'quarantine', 'audit', 'keys', 'classify', 'user'])
      expect(stdout).toContain(command);
    expect(heavy).toEqual([]);
  });

  it('prints a command’s own help without loading what the command runs on', () => {
    for (const args of [
      ['serve', '--help'],
      ['collect', '--help'],
      ['audit', 'verify', '--help'],
    ]) {
      const { heavy } = loadedBy(args);
      expect(heavy, args.join(' ')).toEqual([]);
    }
  });
});
