// The README's "A short tour", followed literally: its commands are read from README.md and run one
// by one on the real bin, from a folder laid out like the repository (a copy of examples/demo, with
// free ports for its simulators). Only what a test cannot do is substituted: a server gets
// `--port 0` and is stopped once it answers, a password prompt gets `--password-stdin`, and
// `$(openssl …)` is a fixed secret. Also: a start that fails (no master secret, port taken) writes
// nothing and says why in one line. Needs `npm run build`.

import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/custos.js');
const PASSWORD = 'a tour password, long enough';
const MASTER_KEY = 'readme-tour-master-secret-0123456789';

/** The tour's ```sh blocks, as the README shows them. */
function tourBlocks(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const tour = readme.slice(readme.indexOf('## A short tour'));
  const section = tour.slice(0, tour.indexOf('\n## ', 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The tour's command lines, as the README shows them (comments removed). */
function tourLines(): string[] {
  const block = tourBlocks()[0];
  if (!block) throw new Error('README.md: no ```sh block under "## A short tour"');
  return block
    .split('\n')
    .map((line) => stripComment(line).trim())
    .filter((line) => line.length > 0);
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** Shell words: spaces split, quotes group (no expansion is needed by the tour). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g))
    out.push(match[1] ?? match[2] ?? match[3]!);
  return out;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Served {
  stdout: string;
  stderr: string;
}

/** Starts `custos serve …`, waits until `isReady` holds of its output, then stops it (SIGTERM). */
async function serveUntil(
  cwd: string,
  env: NodeJS.ProcessEnv,
  args: string[],
  isReady: (out: Served) => boolean,
): Promise<Served> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [BIN, ...args, '--port', '0'], {
    cwd,
    env,
  });
  const out: Served = { stdout: '', stderr: '' };
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (isReady(out)) resolve();
    };
    child.stdout.on('data', (chunk) => {
      out.stdout += String(chunk);
      check();
    });
    child.stderr.on('data', (chunk) => {
      out.stderr += String(chunk);
      check();
    });
    child.on('exit', (code) => reject(new Error(`serve exited early (${code}): ${out.stdout}${out.stderr}`)));
  });
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  return out;
}

describe('the README tour', () => {
  let root: string;
  const env: NodeJS.ProcessEnv = { ...process.env, CUSTOS_LANG: 'en', CUSTOS_LOG_LEVEL: 'warn' };
  delete env.CUSTOS_MASTER_KEY;
  delete env.CUSTOS_ADMIN_PASSWORD;
  delete env.CUSTOS_WORKSPACE;
  delete env.CUSTOS_DATABASE_URL;

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist/cli/bin.js')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it) before this test');
    root = mkdtempSync(path.join(tmpdir(), 'custos-tour-'));
    const demo = path.join(root, 'examples/demo');
    cpSync(path.join(ROOT, 'examples/demo'), demo, {
      recursive: true,
      filter: (src) => !/[/\\](data|keys)([/\\]|$)/.test(src),
    });
    // The demo's simulators on free ports, so this runs beside anything else on the machine.
    const [api, site] = [await freePort(), await freePort()];
    for (const file of ['custos.yaml', 'sources.yaml']) {
      const where = path.join(demo, file);
      writeFileSync(
        where,
        readFileSync(where, 'utf8')
          .replace(/partnerApiPort: \d+/, `partnerApiPort: ${api}`)
          .replace(/noticeSitePort: \d+/, `noticeSitePort: ${site}`)
          .replaceAll('127.0.0.1:8751', `127.0.0.1:${api}`)
          .replaceAll('127.0.0.1:8752', `127.0.0.1:${site}`),
      );
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs as written, step by step', { timeout: 300_000 }, async () => {
    const lines = tourLines();
    expect(lines.length).toBeGreaterThanOrEqual(10);
    let hasDemoRun = false;
    for (const line of lines) {
      const [first, ...rest] = words(line);
      if (first === 'export') {
        const [name] = rest[0]!.split('=');
        expect(name).toBe('CUSTOS_MASTER_KEY');
        env[name!] = MASTER_KEY;
        continue;
      }
      expect(`${first} ${rest[0]}`, line).toBe('npx custos');
      const args = rest.slice(1);
      const isDemo = args.includes('examples/demo') || args.some((a) => a.startsWith('examples/demo/'));
      if (isDemo && !hasDemoRun) {
        // "after npm start has run once": the demo serves and collects its five datasets.
        const demo = await serveUntil(
          root,
          env,
          ['serve', '--workspace', 'examples/demo'],
          (out) => (out.stderr.match(/Collection \w+: \w+/g) ?? []).length >= 5,
        );
        expect(demo.stdout).toMatch(/custos user passwd admin -w examples\/demo/);
        expect(demo.stderr.match(/Collection \w+: succeeded/g)?.length).toBe(5);
        hasDemoRun = true;
      }
      if (args[0] === 'serve') {
        const served = await serveUntil(root, env, args, (out) => /Custos console: http/.test(out.stdout));
        // alice was added before the first start: an admin is created all the same.
        const password = /with password: (\S+)/.exec(served.stdout)?.[1];
        expect(password, served.stdout).toBeDefined();
        expect(served.stdout).toMatch(/custos user passwd admin -w acme/);
        expect(served.stderr).not.toContain(password!);
        continue;
      }
      const isPrompt = args[0] === 'user' && args[1] === 'add' && !args.includes('--password-stdin');
      const result = spawnSync(process.execPath, [BIN, ...args, ...(isPrompt ? ['--password-stdin'] : [])], {
        cwd: root,
        env,
        encoding: 'utf8',
        input: isPrompt ? `${PASSWORD}\n` : '',
      });
      expect(result.status, `${line}\n${result.stdout}${result.stderr}`).toBe(0);
      if (args[0] === 'classify') expect(result.stdout).toMatch(/CN_RESIDENT_ID/);
      if (args[0] === 'collect') expect(result.stderr).toMatch(/nothing new since .*--full/);
      if (args[0] === 'quarantine') {
        const entries = result.stdout.split('\n').filter((l) => l.startsWith('q_'));
        expect(entries.length).toBeGreaterThan(0);
        expect(new Set(entries).size).toBe(entries.length);
      }
    }
    expect(hasDemoRun).toBe(true);

    // The second block — an analyst asks, an officer approves, the masked read — in bash, as a
    // reader would paste it; `npx custos` is the built bin, a password prompt gets --password-stdin.
    const access = tourBlocks()[1];
    expect(access, 'README.md: the tour has a second ```sh block (governed access)').toBeDefined();
    const shim = `set -eo pipefail
npx() { shift; if [ "$1 $2" = "user add" ]; then printf '%s\\n' "$TOUR_PASSWORD" | "$NODE" "$CUSTOS_BIN" "$@" --password-stdin; else "$NODE" "$CUSTOS_BIN" "$@"; fi; }
`;
    const result = spawnSync('bash', ['-c', shim + access!], {
      cwd: root,
      env: { ...env, NODE: process.execPath, CUSTOS_BIN: BIN, TOUR_PASSWORD: PASSWORD },
      encoding: 'utf8',
    });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/ana reading credit_reports for credit_assessment: approval_required/);
    // ana cannot approve; olga can, and ana then reads with the ID number masked.
    expect(result.stdout).toMatch(/refused: only a compliance officer approves/);
    expect(result.stdout).toMatch(/Request req_\S+ approved: grant \S+ for ana/);
    const records = result.stdout.split('\n').filter((l) => /\tv\d+\t\{/.test(l));
    expect(records).toHaveLength(3);
    for (const line of records) expect(line).toMatch(/"id_no":"\d{3}\*+[\dX]{4}"/);
  });
});

describe('a start that fails', () => {
  let root: string;
  let busy: Server;
  const env: NodeJS.ProcessEnv = { ...process.env, CUSTOS_LANG: 'en', CUSTOS_LOG_LEVEL: 'warn' };
  delete env.CUSTOS_MASTER_KEY;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'custos-start-'));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });
  const custos = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [BIN, ...args], { cwd: root, env: { ...env, ...extra }, encoding: 'utf8' });

  it('without CUSTOS_MASTER_KEY says how to set it and writes nothing', () => {
    expect(custos(['init', 'ws']).status).toBe(0);
    const before = readdirSync(path.join(root, 'ws')).sort();
    const result = custos(['serve', '-w', 'ws', '--port', '0']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/CUSTOS_MASTER_KEY is not set.*export CUSTOS_MASTER_KEY=/);
    expect(readdirSync(path.join(root, 'ws')).sort()).toEqual(before);
  });

  it('on a port in use says so in one line, creating neither keys nor the admin', () => {
    expect(custos(['init', 'busy']).status).toBe(0);
    const { port } = busy.address() as { port: number };
    const result = custos(['serve', '-w', 'busy', '--port', String(port)], { CUSTOS_MASTER_KEY: MASTER_KEY });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} is already in use.*--port`));
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr.match(/already in use/g), result.stderr).toHaveLength(1);
    expect(existsSync(path.join(root, 'busy/keys/keyring.json'))).toBe(false);
    const users = custos(['user', 'list', '-w', 'busy', '--json'], { CUSTOS_MASTER_KEY: MASTER_KEY });
    expect(JSON.parse(users.stdout).users).toEqual([]);
  });
});
