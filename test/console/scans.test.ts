// Security → Vulnerability scans in Chromium, in both languages, against `custos serve` on the demo
// whose npm audit asks a local registry: the admin runs a scan and sees the vulnerable dependency
// by severity (zh-CN); with the registry down, the dependencies are shown as not checked (en); an
// auditor reads the scans without a run button. Needs `npm run build`.

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
import { criticalYamlAdvisory, type NpmRegistry, startNpmRegistry } from '../support/npm-registry.js';

const AUDITOR_PASSWORD = 'auditor password 123';
type Text = typeof en | typeof zhCN;

describe('vulnerability scans in the console', () => {
  let server: DemoServer;
  let browser: Browser;
  let registry: NpmRegistry;
  beforeAll(async () => {
    registry = await startNpmRegistry(criticalYamlAdvisory());
    [server, browser] = await Promise.all([
      serveDemo({ env: { npm_config_registry: registry.url } }),
      launchChromium(),
    ]);
    await createUser(server.url, 'audrey', 'auditor', AUDITOR_PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await registry?.close();
  });

  async function open(code: 'zh-CN' | 'en', text: Text, username: string, password: string) {
    const { context, page, errors } = await openConsolePage(browser, code === 'en' ? 'en-GB' : 'zh-CN', {
      lang: code,
    });
    await page.goto(server.url);
    await page.getByLabel(text.signin.username).fill(username);
    await page.getByLabel(text.signin.password).fill(password);
    await page.getByRole('button', { name: text.signin.submit }).click();
    await page.getByRole('heading', { name: text.overview.title }).waitFor();
    await page.getByText(text.area.security, { exact: true }).click();
    await page.getByText(text.nav.scans, { exact: true }).click();
    await page.getByRole('heading', { name: text.scans.title }).waitFor();
    return { context, page, errors };
  }

  async function failed(page: Page, name: string, errors: string[], error: unknown): Promise<never> {
    await page.screenshot({ path: path.join(SCREENSHOTS, `failed-${name}.png`), fullPage: true });
    throw new Error(`${(error as Error).message}\nbrowser errors: ${errors.join('\n')}`);
  }

  it('runs a scan and lists the vulnerable dependency first (zh-CN)', { timeout: 90_000 }, async () => {
    const { context, page, errors } = await open('zh-CN', zhCN, 'admin', ADMIN_PASSWORD);
    try {
      await page.getByText(zhCN.scans.none).waitFor();
      await page.getByRole('button', { name: zhCN.scans.run }).click();
      const first = page.getByRole('row', { name: /依赖 yaml 存在漏洞/ });
      await first.waitFor({ timeout: 60_000 });
      await first.getByText(zhCN.alerts.severities.critical, { exact: true }).waitFor();
      await first.getByText(zhCN.scans.kinds.dependency, { exact: true }).waitFor();
      // The demo's own published secret is a low finding, in its language.
      await page.getByRole('row', { name: /正在使用公开的演示主密钥/ }).waitFor();
      expect(await page.getByText(zhCN.scans.notCheckedTitle).count()).toBe(0);
      expect(registry.bulk.length).toBe(1);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'scans-zh-CN.png'), fullPage: true });
      expect(errors).toEqual([]);
    } catch (error) {
      await failed(page, 'scans-zh-CN', errors, error);
    } finally {
      await context.close();
    }
  });

  it('shows dependencies it could not check as not checked, not as a pass (en)', {
    timeout: 90_000,
  }, async () => {
    registry.answer('fail');
    const { context, page, errors } = await open('en', en, 'admin', ADMIN_PASSWORD);
    try {
      await page.getByRole('button', { name: en.scans.run }).click();
      await page.getByText(en.scans.notCheckedTitle).waitFor({ timeout: 60_000 });
      await page.getByText(/Dependencies not checked: the registry did not answer the audit/).waitFor();
      expect(await page.getByRole('row', { name: /Vulnerable dependency yaml/ }).count()).toBe(0);
      await page.getByRole('row', { name: /published demo master secret/ }).waitFor();
      // Both scans in the history, the newest shown.
      await page.getByRole('heading', { name: en.scans.history, exact: true }).waitFor();
      expect(await page.getByRole('button', { name: en.scans.select }).count()).toBe(2);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'scans-en.png'), fullPage: true });
      expect(errors).toEqual([]);
    } catch (error) {
      await failed(page, 'scans-en', errors, error);
    } finally {
      await context.close();
    }
  });

  it('lets an auditor read the scans but not run one (en)', { timeout: 60_000 }, async () => {
    const { context, page, errors } = await open('en', en, 'audrey', AUDITOR_PASSWORD);
    try {
      await page.getByRole('heading', { name: en.scans.history, exact: true }).waitFor();
      expect(await page.getByRole('button', { name: en.scans.run }).count()).toBe(0);
      // The earlier scan, with the critical finding, is one click away.
      await page.getByRole('button', { name: en.scans.select }).last().click();
      await page.getByRole('row', { name: /Vulnerable dependency yaml/ }).waitFor();
      expect(errors).toEqual([]);
    } catch (error) {
      await failed(page, 'scans-auditor', errors, error);
    } finally {
      await context.close();
    }
  });
});
