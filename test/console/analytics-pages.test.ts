// The Analytics page in Chromium against `custos serve` on the demo, in both languages: an analyst
// with grants runs a segmentation (silhouette chart, profiles) and the claims reserve (triangle
// with a suppressed origin, LDFs, ultimates/IBNR chart) and the loss-ratio summary; without a grant
// the page says so and links to access requests. One server and one browser for the file.

import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import zhCN from '../../web/src/locales/zh-CN.json' with { type: 'json' };
import {
  ADMIN_PASSWORD,
  createUser,
  type DemoServer,
  launchChromium,
  openConsolePage,
  SCREENSHOTS,
  serveDemo,
} from '../support/console.js';

const LANGUAGES = [
  { code: 'zh-CN', text: zhCN, locale: 'zh-CN' },
  { code: 'en', text: en, locale: 'en-GB' },
] as const;
type Text = typeof en | typeof zhCN;
const ANALYST_PASSWORD = 'analyst password 123';
const OFFICER_PASSWORD = 'officer password 123';

async function login(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`login ${username}: ${response.status}`);
  return String(response.headers.get('set-cookie')).split(';')[0]!;
}

async function post(url: string, cookie: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) throw new Error(`${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

describe('the Analytics page in Chromium', () => {
  let server: DemoServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([serveDemo(), launchChromium()]);
    await createUser(server.url, 'ana', 'analyst', ANALYST_PASSWORD);
    await createUser(server.url, 'bo', 'analyst', ANALYST_PASSWORD);
    await createUser(server.url, 'olivia', 'compliance_officer', OFFICER_PASSWORD);
    // The demo collects on start: wait for the insurance datasets.
    const admin = await login(server.url, 'admin', ADMIN_PASSWORD);
    for (let i = 0; ; i++) {
      const runs = (await (
        await fetch(`${server.url}api/v1/runs?limit=50`, { headers: { cookie: admin } })
      ).json()) as { runs: Array<{ dataset: string; status: string }> };
      const done = ['insurance_policies', 'insurance_claims'].every((d) =>
        runs.runs.some((r) => r.dataset === d && r.status === 'succeeded'),
      );
      if (done) break;
      if (i > 120) throw new Error('the demo did not collect the insurance datasets');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const ana = await login(server.url, 'ana', ANALYST_PASSWORD);
    const olivia = await login(server.url, 'olivia', OFFICER_PASSWORD);
    for (const [datasets, purpose] of [
      [['insurance_policies'], 'market_analysis'],
      [['insurance_claims', 'insurance_policies'], 'claims_analysis'],
    ] as const) {
      const request = await post(`${server.url}api/v1/access-requests`, ana, {
        datasets,
        purpose,
        durationDays: 5,
        justification: 'quarterly analysis of the book',
      });
      await post(`${server.url}api/v1/access-requests/${request.id}/approve`, olivia, {});
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signedIn(code: string, locale: string, text: Text, username: string) {
    const { context, page, errors } = await openConsolePage(browser, locale, { lang: code });
    await page.goto(server.url);
    await page.getByLabel(text.signin.username).fill(username);
    await page.getByLabel(text.signin.password).fill(ANALYST_PASSWORD);
    await page.getByRole('button', { name: text.signin.submit }).click();
    await page.getByRole('heading', { name: text.overview.title }).waitFor();
    // The area's only page: one navigation item, no submenu.
    await page.getByRole('menuitem', { name: text.nav.analytics }).click();
    await page.getByRole('heading', { name: text.analytics.title }).waitFor();
    // The scorecard tab comes first: open segmentation.
    await page.getByRole('tab', { name: text.analytics.tab.segmentation }).click();
    return { context, page, errors };
  }

  async function choose(scope: ReturnType<Page['getByRole']>, page: Page, label: string, option: string) {
    await scope.getByLabel(label, { exact: true }).click();
    await page.locator('.ant-select-dropdown:visible').getByTitle(option, { exact: true }).click();
  }

  async function shot(page: Page, name: string) {
    await page.waitForTimeout(600);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  for (const { code, text, locale } of LANGUAGES) {
    it(`segments customers and shows the claims reserve and summary (${code})`, {
      timeout: 90_000,
    }, async () => {
      const { context, page, errors } = await signedIn(code, locale, text, 'ana');
      try {
        const a = text.analytics;
        // Segmentation
        const form = page.getByRole('form', { name: a.segmentation.form });
        await choose(form, page, a.dataset, 'insurance_policies');
        await choose(form, page, a.purpose, 'market_analysis');
        await page.getByRole('button', { name: a.segmentation.run }).click();
        const profiles = page.getByRole('table', { name: a.segmentation.profiles });
        await profiles.getByRole('cell', { name: 'S3', exact: true }).waitFor();
        await page.getByRole('img', { name: a.segmentation.silhouette }).waitFor();
        await shot(page, `analytics-segmentation-${code}`);

        // Claims: reserve, then the summary
        await page.getByRole('tab', { name: a.tab.claims }).click();
        const reserve = page.getByRole('form', { name: a.claims.reserveTitle });
        await choose(reserve, page, a.dataset, 'insurance_claims');
        await choose(reserve, page, a.purpose, 'claims_analysis');
        await page.getByRole('button', { name: a.claims.runReserve }).click();
        const triangle = page.getByRole('table', { name: a.claims.triangle });
        await triangle.getByRole('cell', { name: a.claims.ldf }).waitFor();
        // Accident year 2021 has two claims: its cells are shown as suppressed.
        expect(await triangle.getByText(a.suppressed, { exact: true }).count()).toBeGreaterThan(0);
        await page.getByRole('img', { name: a.claims.ultimates }).waitFor();
        const summary = page.getByRole('form', { name: a.claims.summaryTitle });
        await choose(summary, page, a.dataset, 'insurance_claims');
        await choose(summary, page, a.purpose, 'claims_analysis');
        await choose(summary, page, a.claims.premiumDataset, 'insurance_policies');
        await page.getByRole('button', { name: a.claims.runSummary }).click();
        const ratios = page.getByRole('table', { name: a.claims.lossRatios });
        await ratios.getByRole('cell', { name: 'auto', exact: true }).waitFor();
        await page
          .getByRole('table', { name: a.claims.cycleTimes })
          .getByRole('cell', { name: 'all' })
          .waitFor();
        await shot(page, `analytics-claims-${code}`);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it('tells an analyst without a grant to ask for access', { timeout: 60_000 }, async () => {
    const { code, text, locale } = LANGUAGES[0];
    const { context, page } = await signedIn(code, locale, text, 'bo');
    try {
      const form = page.getByRole('form', { name: text.analytics.segmentation.form });
      await choose(form, page, text.analytics.dataset, 'insurance_policies');
      await choose(form, page, text.analytics.purpose, 'market_analysis');
      await page.getByRole('button', { name: text.analytics.segmentation.run }).click();
      await page.getByRole('link', { name: text.analytics.askAccess }).waitFor();
    } finally {
      await context.close();
    }
  });
});
