// A workspace kept inside the repository (the README tour's `./acme`) must not break `npm run lint`:
// `custos init` writes YAML in the formatter's style, and what running it leaves behind (data/,
// keys/) is not linted.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli } from '../support/cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIOME = path.join(ROOT, 'node_modules/.bin/biome');

function biome(args: string[], input?: string) {
  return spawnSync(BIOME, args, { cwd: ROOT, encoding: 'utf8', ...(input === undefined ? {} : { input }) });
}

describe('a workspace inside the repository', () => {
  const dir = path.join(ROOT, `lint-test-workspace-${process.pid}`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gets YAML from custos init that the formatter leaves unchanged', async () => {
    for (const [index, [organisation, suite]] of [
      ['Acme 金融', 'sm'],
      [`O'Brien "Quotes" & Co: #1`, 'aes'],
      ["Smith's Holdings", 'sm'],
      ['Back\\slash "Ltd"', 'sm'],
    ].entries()) {
      const target = `${dir}-${index}`;
      try {
        const init = await cli([
          'init',
          target,
          '--organisation',
          organisation!,
          '--suite',
          suite!,
          '--json',
        ]);
        expect(init.code, init.stderr).toBe(0);
        const check = biome(['check', path.relative(ROOT, target)]);
        expect(check.status, `${organisation}: ${check.stdout}${check.stderr}`).toBe(0);
        // And the name reads back as given.
        const config = parse(readFileSync(path.join(target, 'custos.yaml'), 'utf8'));
        expect(config.organisation.name).toBe(organisation);
      } finally {
        rmSync(target, { recursive: true, force: true });
      }
    }
  });

  it('passes lint with the data and keys a run leaves in it', async () => {
    expect((await cli(['init', dir])).code).toBe(0);
    // What `custos serve` leaves: a database and key files (JSON not in the formatter's style).
    mkdirSync(path.join(dir, 'data'));
    mkdirSync(path.join(dir, 'keys'));
    writeFileSync(path.join(dir, 'data/custos.db'), 'SQLite format 3\u0000');
    writeFileSync(path.join(dir, 'keys/keyring.json'), '{"versions":[{"v":1,   "wrapped":"x"}]}');
    writeFileSync(path.join(dir, 'keys/audit-signing-key.json'), '{"key":   "x"}');
    const check = biome(['check', path.relative(ROOT, dir)]);
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  });
});
