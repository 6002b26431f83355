// The console's browser tests: `custos serve` on a copy of the demo workspace (simulators on free
// ports), and Debian's Chromium driven by playwright-core. Needs `npm run build` (dist/, web/dist)
// and /usr/bin/chromium (.ci/run installs it). Screenshots go to test-output/console/ (not committed).

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/custos.js');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-output/console');
export const ADMIN_PASSWORD = 'console test admin 123';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface DemoServer {
  url: string;
  dir: string;
  stderr(): string;
  stop(): Promise<void>;
}

/** `custos serve` on a fresh copy of examples/demo; resolves once it prints its URL. */
export async function serveDemo(options: { env?: NodeJS.ProcessEnv } = {}): Promise<DemoServer> {
  for (const needed of ['dist/cli/bin.js', 'web/dist/index.html']) {
    if (!existsSync(path.join(ROOT, needed)))
      throw new Error(`${needed} is missing: run \`npm run build\` (npm test does it) before this test`);
  }
  const root = mkdtempSync(path.join(tmpdir(), 'custos-console-'));
  const dir = path.join(root, 'demo');
  cpSync(path.join(ROOT, 'examples/demo'), dir, {
    recursive: true,
    filter: (src) => !/[/\\](data|keys)([/\\]|$)/.test(src),
  });
  const [api, site] = [await freePort(), await freePort()];
  for (const file of ['custos.yaml', 'sources.yaml']) {
    const where = path.join(dir, file);
    writeFileSync(
      where,
      readFileSync(where, 'utf8')
        .replace(/partnerApiPort: \d+/, `partnerApiPort: ${api}`)
        .replace(/noticeSitePort: \d+/, `noticeSitePort: ${site}`)
        .replaceAll('127.0.0.1:8751', `127.0.0.1:${api}`)
        .replaceAll('127.0.0.1:8752', `127.0.0.1:${site}`)
        // Every sign-in of a browser test comes from 127.0.0.1: a test file signs in more often than
        // the default 30 a minute per address allows (the limit itself: test/security/sign-in.test.ts).
        .replace('    secondFactorRoles: []', '    secondFactorRoles: []\n    perAddressPerMinute: 1000'),
    );
  }
  if (!readFileSync(path.join(dir, 'custos.yaml'), 'utf8').includes('perAddressPerMinute: 1000'))
    throw new Error('examples/demo/custos.yaml changed: the browser tests could not raise the sign-in limit');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CUSTOS_LANG: 'en',
    CUSTOS_LOG_LEVEL: 'warn',
    CUSTOS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...options.env,
  };
  delete env.CUSTOS_MASTER_KEY;
  delete env.CUSTOS_WORKSPACE;
  delete env.CUSTOS_DATABASE_URL;
  delete env.CUSTOS_WEB_DIST;
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [BIN, 'serve', '--workspace', dir, '--port', '0'],
    { env },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
      const found = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
      if (found) resolve(found);
    });
    child.on('exit', (code) => reject(new Error(`serve exited early (${code}): ${stdout}${stderr}`)));
  });
  return {
    url,
    dir,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, in a fresh temporary profile (playwright makes one per launch). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk (.ci/run does it)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors other than the tolerated ones: a test expects none. */
  errors: string[];
}

/**
 * A fresh context as a person in Shanghai sees the console: `locale`, a desktop viewport and reduced
 * motion (no sliding submenus: a click never lands on an item still moving; the console honours it).
 * `lang` pins the console's own language switch. A CSP refusal or a React error lands in `errors`;
 * a refused API call (401, 403, a 400 the test provokes) is logged by the browser as a failed
 * resource, which is expected and tolerated.
 */
export async function openConsolePage(
  browser: Browser,
  locale: string,
  options: { lang?: string; tolerated?: RegExp } = {},
): Promise<ConsolePage> {
  const tolerated = options.tolerated ?? /^Failed to load resource/;
  const context = await browser.newContext({
    locale,
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1440, height: 900 },
    reducedMotion: 'reduce',
  });
  if (options.lang)
    await context.addInitScript(`localStorage.setItem('custos.lang', ${JSON.stringify(options.lang)})`);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !tolerated.test(message.text())) errors.push(message.text());
  });
  return { context, page, errors };
}

/** A user of the given role, created by the admin through the API; returns nothing secret to logs. */
export async function createUser(
  url: string,
  username: string,
  role: string,
  password: string,
): Promise<void> {
  const login = await fetch(`${url}api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status}`);
  const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
  const created = await fetch(`${url}api/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ username, role, password }),
  });
  if (created.status !== 201 && created.status !== 200)
    throw new Error(`creating ${username}: ${created.status}`);
}
