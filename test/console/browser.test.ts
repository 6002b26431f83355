// The console in a real browser (Debian's Chromium through playwright-core) against `custos serve`
// on the demo workspace, in both languages: sign in, the overview, session expiry, role-aware
// navigation. Prints how long the first page takes to become interactive and how much JavaScript
// (gzipped) it loads. One server and one browser for the whole file. Needs `npm run build`.

import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import zhCN from '../../web/src/locales/zh-CN.json' with { type: 'json' };
import {
  ADMIN_PASSWORD,
  createUser,
  type DemoServer,
  launchChromium,
  SCREENSHOTS,
  serveDemo,
} from '../support/console.js';

const LANGUAGES = [
  { code: 'zh-CN', text: zhCN, locale: 'zh-CN' },
  { code: 'en', text: en, locale: 'en-GB' },
] as const;
const ANALYST_PASSWORD = 'analyst password 123';
const OTTO_PASSWORD = 'otto password 12345';

async function api(url: string, method: string, body?: unknown, cookie?: string) {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(cookie ? { cookie } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    cookie: String(response.headers.get('set-cookie')).split(';')[0]!,
    json: (await response.json().catch(() => null)) as { secret?: string; recoveryCodes?: string[] } | null,
  };
}

describe('the console in Chromium', () => {
  let server: DemoServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([serveDemo(), launchChromium()]);
    await createUser(server.url, 'ana', 'analyst', ANALYST_PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function openContext(
    locale: string,
  ): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({
      locale,
      timezoneId: 'Asia/Shanghai',
      viewport: { width: 1440, height: 900 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      // A CSP refusal or a React error shows up here.
      if (message.type() === 'error' && !/401|Unauthorized/.test(message.text())) errors.push(message.text());
    });
    return { context, page, errors };
  }

  async function signIn(page: Page, text: typeof en | typeof zhCN, username: string, password: string) {
    await page.getByLabel(text.signin.username).fill(username);
    await page.getByLabel(text.signin.password).fill(password);
    await page.getByRole('button', { name: text.signin.submit }).click();
  }

  for (const { code, text, locale } of LANGUAGES) {
    it(`signs in and shows the overview (${code})`, { timeout: 90_000 }, async () => {
      const { context, page, errors } = await openContext(locale);
      try {
        const scripts: Buffer[] = [];
        page.on('response', async (response) => {
          if (response.request().resourceType() === 'script') scripts.push(await response.body());
        });

        // The first page: `/` sends a visitor with no session to sign in.
        await page.goto(server.url);
        const submit = page.getByRole('button', { name: zhCN.signin.submit });
        await submit.waitFor();
        const interactiveMs = await page.evaluate(() => performance.now());
        await page.waitForLoadState('networkidle');
        const gzipped = scripts.reduce((sum, body) => sum + gzipSync(body).length, 0);
        console.log(
          `console first page (${code}): interactive ${Math.round(interactiveMs)} ms, JavaScript ${(gzipped / 1024).toFixed(1)} kB gzipped in ${scripts.length} files`,
        );
        expect(new URL(page.url()).pathname).toBe('/signin');
        expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');

        if (code === 'en') {
          await page.getByText('English', { exact: true }).click();
          await page.getByRole('heading', { name: en.signin.title }).waitFor();
          expect(await page.locator('html').getAttribute('lang')).toBe('en');
        }

        // A wrong password is refused with the server's message in the chosen language.
        await signIn(page, text, 'admin', 'not the password');
        await page.getByRole('alert').waitFor();
        expect(new URL(page.url()).pathname).toBe('/signin');

        await signIn(page, text, 'admin', ADMIN_PASSWORD);
        await page.getByRole('heading', { name: text.overview.title }).waitFor();
        // The demo collects its datasets at start: the latest runs show up (the page polls).
        await page.getByText(text.overview.latestRuns).waitFor();
        await page.getByRole('cell', { name: text.runStatus.succeeded }).first().waitFor({ timeout: 60_000 });
        await expect(page.getByRole('img', { name: text.overview.collected })).toBeTruthy();
        await page.screenshot({ path: path.join(SCREENSHOTS, `overview-${code}.png`), fullPage: true });

        // The language is remembered across a reload.
        await page.reload();
        await page.getByRole('heading', { name: text.overview.title }).waitFor();

        // The session ends on the server (cookie gone): the next call sends the user to sign in, saying so.
        await context.clearCookies();
        // In-app navigation away and back (the browser's globals: the test's tsconfig has no DOM).
        await page.evaluate(`for (const to of ['/elsewhere', '/']) {
          history.pushState({}, '', to);
          dispatchEvent(new PopStateEvent('popstate'));
        }`);
        await page.getByText(text.session.expired).waitFor();
        expect(new URL(page.url()).pathname).toBe('/signin');
        await page.screenshot({ path: path.join(SCREENSHOTS, `session-expired-${code}.png`) });

        // An analyst oversees no collection: no run charts, the declared datasets instead.
        await signIn(page, text, 'ana', ANALYST_PASSWORD);
        await page.getByRole('heading', { name: text.overview.title }).waitFor();
        await page.getByRole('columnheader', { name: text.overview.purposes }).waitFor();
        expect(await page.getByText(text.overview.latestRuns).count()).toBe(0);
        await page.getByText(text.role.analyst).waitFor();
        expect(errors).toEqual([]);
      } catch (error) {
        await page.screenshot({ path: path.join(SCREENSHOTS, `failed-${code}.png`), fullPage: true });
        throw new Error(`${(error as Error).message}\nbrowser errors: ${errors.join('\n')}`);
      } finally {
        await context.close();
      }
    });
  }

  describe('second factor and security alerts', () => {
    let totp: TOTP;
    let recoveryCodes: string[] = [];
    beforeAll(async () => {
      // otto sets up a second factor over the API; from then on his sign-in asks for it.
      await createUser(server.url, 'otto', 'analyst', OTTO_PASSWORD);
      const login = await api(`${server.url}api/v1/auth/login`, 'POST', {
        username: 'otto',
        password: OTTO_PASSWORD,
      });
      const setup = await api(
        `${server.url}api/v1/auth/second-factor/setup`,
        'POST',
        undefined,
        login.cookie,
      );
      totp = new TOTP({ secret: String(setup.json?.secret), algorithm: 'SHA1', digits: 6, period: 30 });
      const confirmed = await api(
        `${server.url}api/v1/auth/second-factor/confirm`,
        'POST',
        { code: totp.generate() },
        login.cookie,
      );
      recoveryCodes = confirmed.json?.recoveryCodes as string[];
      // Ten failed sign-ins from this address (unknown names, so no real user is delayed), then the
      // monitor: one alert for the address.
      for (let i = 0; i < 10; i++) {
        await api(`${server.url}api/v1/auth/login`, 'POST', {
          username: `nobody${i}`,
          password: 'wrong wrong wrong',
        });
      }
      const admin = await api(`${server.url}api/v1/auth/login`, 'POST', {
        username: 'admin',
        password: ADMIN_PASSWORD,
      });
      await api(`${server.url}api/v1/security/monitor/run`, 'POST', undefined, admin.cookie);
    }, 60_000);

    for (const [index, { code, text, locale }] of LANGUAGES.entries()) {
      it(`signs in with a second factor and handles an alert (${code})`, { timeout: 60_000 }, async () => {
        const { context, page, errors } = await openContext(locale);
        try {
          await page.goto(`${server.url}signin`);
          if (code === 'en') await page.getByText('English', { exact: true }).click();
          await signIn(page, text, 'otto', OTTO_PASSWORD);
          const codeField = page.getByLabel(text.signin.code);
          await codeField.waitFor();
          await page.screenshot({ path: path.join(SCREENSHOTS, `second-factor-${code}.png`) });
          // A wrong code is refused and the step stays; then the next step's code (zh-CN) or a
          // recovery code (en) signs in — each code works once.
          await codeField.fill('000000');
          await page.getByRole('button', { name: text.signin.verify }).click();
          await page.getByRole('alert').waitFor();
          await codeField.fill(
            index === 0 ? totp.generate({ timestamp: Date.now() + 30_000 }) : recoveryCodes[0]!,
          );
          await page.getByRole('button', { name: text.signin.verify }).click();
          await page.getByRole('heading', { name: text.overview.title }).waitFor();
          // An analyst has no security pages.
          expect(await page.getByText(text.area.security, { exact: true }).count()).toBe(0);

          await context.clearCookies();
          await page.goto(`${server.url}signin`);
          await signIn(page, text, 'admin', ADMIN_PASSWORD);
          await page.getByRole('heading', { name: text.overview.title }).waitFor();
          // The side navigation groups pages by area: open Security, then its page.
          await page.getByText(text.area.security, { exact: true }).click();
          await page.getByText(text.nav.alerts).click();
          await page.getByRole('heading', { name: text.alerts.title }).waitFor();
          if (index === 0) {
            const row = page.getByRole('row', {
              name: new RegExp(text.alerts.rules.failedSignInsPerAddress),
            });
            await row.waitFor();
            await row.getByRole('button', { name: text.alerts.acknowledge }).click();
            // Acknowledged alerts leave the "open" list.
            await row.waitFor({ state: 'detached' });
          } else {
            await page.getByText(text.alerts.filter.all, { exact: true }).click();
            const row = page.getByRole('row', {
              name: new RegExp(text.alerts.rules.failedSignInsPerAddress),
            });
            await row.getByText(text.alerts.statuses.acknowledged).waitFor();
            await row.getByRole('button', { name: text.alerts.close }).click();
            await row.getByText(text.alerts.statuses.closed).waitFor();
          }
          await page.screenshot({ path: path.join(SCREENSHOTS, `alerts-${code}.png`), fullPage: true });
          expect(errors).toEqual([]);
        } catch (error) {
          await page.screenshot({
            path: path.join(SCREENSHOTS, `failed-security-${code}.png`),
            fullPage: true,
          });
          throw new Error(`${(error as Error).message}\nbrowser errors: ${errors.join('\n')}`);
        } finally {
          await context.close();
        }
      });
    }
  });
});
