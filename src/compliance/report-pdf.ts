// PDF of the HTML report through the machine's Chromium (`--headless --print-to-pdf`), when there
// is one. No browser is bundled: without Chromium the PDF is reported as not available.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnavailableError } from '../domain/index.js';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The Chromium binary to use (CUSTOS_CHROMIUM, else /usr/bin/chromium), or undefined. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidate = env.CUSTOS_CHROMIUM ?? DEFAULT_CHROMIUM;
  return existsSync(candidate) ? candidate : undefined;
}

export async function htmlToPdf(html: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const chromium = findChromium(env);
  if (!chromium)
    throw new UnavailableError(
      `PDF not available: no Chromium at ${env.CUSTOS_CHROMIUM ?? DEFAULT_CHROMIUM} (install chromium or set CUSTOS_CHROMIUM); the HTML report prints to PDF from any browser`,
    );
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-report-'));
  try {
    const input = path.join(dir, 'report.html');
    const output = path.join(dir, 'report.pdf');
    writeFileSync(input, html);
    await new Promise<void>((resolve, reject) => {
      execFile(
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-pdf-header-footer',
          `--user-data-dir=${path.join(dir, 'profile')}`,
          `--print-to-pdf=${output}`,
          pathToFileURL(input).href,
        ],
        { timeout: 60_000 },
        (error) => (error ? reject(error) : resolve()),
      );
    }).catch((error: unknown) => {
      throw new UnavailableError(
        `PDF not available: Chromium failed (${(error as Error).message.split('\n')[0]})`,
      );
    });
    if (!existsSync(output)) throw new UnavailableError('PDF not available: Chromium wrote no file');
    return readFileSync(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
