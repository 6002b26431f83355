// The Analytics page's Scorecard tab in Chromium, in both languages, against `custos serve` on the
// demo workspace: a model fitted on the German credit data by an analyst is listed as awaiting
// approval; a compliance officer opens it (ROC, KS and IV charts, the scorecard table) and approves
// it; the analyst sees the fit form and no approval buttons. One server and one browser for the file.

import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitScorecard } from '../../src/analytics/index.js';
import { openContext } from '../../src/context.js';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import zhCN from '../../web/src/locales/zh-CN.json' with { type: 'json' };
import {
  createUser,
  type DemoServer,
  launchChromium,
  openConsolePage,
  SCREENSHOTS,
  serveDemo,
} from '../support/console.js';
import { germanSplit } from '../support/german-credit.js';

const LANGUAGES = [
  { code: 'zh-CN', text: zhCN, locale: 'zh-CN' },
  { code: 'en', text: en, locale: 'en-GB' },
] as const;
type Text = typeof en | typeof zhCN;
const PASSWORD = 'analytics password 123';

describe('analytics page (scorecard tab) in Chromium', () => {
  let server: DemoServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([serveDemo(), launchChromium()]);
    await createUser(server.url, 'ana', 'analyst', PASSWORD);
    await createUser(server.url, 'olga', 'compliance_officer', PASSWORD);
    // A real fitted model in the served workspace's store, as `scorecard fit` would leave it.
    const { train } = germanSplit();
    const variables = Object.keys(train[0]!).filter((k) => k !== 'creditability');
    const definition = fitScorecard(
      {
        columns: new Map(variables.map((v) => [v, train.map((r) => r[v] ?? null)] as const)),
        target: Uint8Array.from(train, (r) => (r.creditability === 'bad' ? 1 : 0)),
      },
      {
        name: 'german-credit',
        dataset: 'credit_reports',
        purpose: 'credit_assessment',
        target: 'creditability',
        bad: 'bad',
        createdBy: 'ana',
        createdAt: new Date().toISOString(),
      },
    );
    const ctx = await openContext(server.dir, { env: {}, migrate: false, logLevel: 'warn' });
    try {
      await ctx.models.register(definition);
    } finally {
      await ctx.close();
    }
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const open = (locale: string) => openConsolePage(browser, locale, { tolerated: /40[01]|Unauthorized/ });

  async function signIn(page: Page, code: string, text: Text, username: string) {
    await page.goto(server.url);
    if (code === 'en') {
      await page.getByText('English', { exact: true }).click();
      await page.getByRole('heading', { name: en.signin.title }).waitFor();
    }
    await page.getByLabel(text.signin.username).fill(username);
    await page.getByLabel(text.signin.password).fill(PASSWORD);
    await page.getByRole('button', { name: text.signin.submit }).click();
    await page.getByRole('heading', { name: text.overview.title }).waitFor();
  }

  async function openAnalytics(page: Page, text: Text) {
    const link = page.getByRole('menuitem', { name: text.nav.analytics });
    const heading = page.getByRole('heading', { name: text.analytics.title });
    for (let attempt = 1; ; attempt++) {
      if (!(await link.isVisible())) await page.getByRole('menuitem', { name: text.area.analytics }).click();
      await link.click();
      try {
        await heading.waitFor({ timeout: 10_000 });
        return;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  for (const [index, { code, text, locale }] of LANGUAGES.entries()) {
    it(`officer reviews and approves, analyst fits (${code})`, { timeout: 120_000 }, async () => {
      const officer = await open(locale);
      const page = officer.page;
      await signIn(page, code, text, 'olga');
      await openAnalytics(page, text);
      await page.getByRole('tab', { name: text.analytics.tab.scorecard }).waitFor();
      const row = page.getByRole('row').filter({ hasText: 'german-credit v1' });
      await row.waitFor();
      // The first language approves; the second sees the decision.
      if (index === 0) {
        await row.getByText(text.scorecard.status_draft).waitFor();
        await row.getByRole('button', { name: text.scorecard.approve }).click();
      }
      await row.getByText(text.scorecard.status_approved).waitFor();
      expect(await row.getByRole('button', { name: text.scorecard.approve }).count()).toBe(0);
      await page.getByRole('button', { name: 'german-credit v1' }).click();
      await page.getByRole('img', { name: text.scorecard.roc }).waitFor();
      await page.getByRole('img', { name: text.scorecard.ks_curve }).waitFor();
      await page.getByRole('img', { name: text.scorecard.iv }).waitFor();
      await page.getByRole('columnheader', { name: text.scorecard.points }).waitFor();
      await page.getByRole('cell', { name: 'status_of_existing_checking_account' }).first().waitFor();
      // The officer does not fit.
      expect(await page.getByText(text.scorecard.fit_title).count()).toBe(0);
      await page.screenshot({
        path: path.join(SCREENSHOTS, `analytics-scorecard-${code}.png`),
        fullPage: true,
      });
      expect(officer.errors).toEqual([]);
      await officer.context.close();

      const analyst = await open(locale);
      await signIn(analyst.page, code, text, 'ana');
      await openAnalytics(analyst.page, text);
      await analyst.page.getByText(text.scorecard.fit_title).waitFor();
      await analyst.page.getByRole('row').filter({ hasText: 'german-credit v1' }).waitFor();
      expect(await analyst.page.getByRole('button', { name: text.scorecard.approve }).count()).toBe(0);
      expect(analyst.errors).toEqual([]);
      await analyst.context.close();
    });
  }
});
