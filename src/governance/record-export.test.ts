// The XLSX export's back-pressure: pages are pulled only as fast as the reader drains the file,
// and a large export completes with every row.

import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { xlsx } from './record-export.js';
import type { RecordItem } from './record-read-service.js';

const PAGES = 20;
const PER_PAGE = 1000;

/** Pages of distinct, barely compressible items; counts the pages taken. */
function source(count: number): { pages: AsyncGenerator<RecordItem[]>; pulled: () => number } {
  let pulled = 0;
  async function* pages(): AsyncGenerator<RecordItem[]> {
    for (let p = 0; p < count; p++) {
      pulled += 1;
      yield Array.from({ length: PER_PAGE }, (_, i) => {
        const n = p * PER_PAGE + i;
        return {
          key: `k${String(n).padStart(6, '0')}`,
          version: 1,
          collectedAt: '2026-01-01T00:00:00.000Z',
          ...(n % 10 === 0 ? { deletedAtSource: '2026-02-01T00:00:00.000Z' } : {}),
          fields: {
            city: `c${(n * 7919) % 1013}`,
            mobile: `p_${((n * 2654435761) % 2 ** 32).toString(16).padStart(8, '0')}${n.toString(36)}`,
          },
        };
      });
    }
  }
  return { pages: pages(), pulled: () => pulled };
}

describe('XLSX export', () => {
  it('waits for the reader: an unread export stops after a few pages', async () => {
    const { pages, pulled } = source(60);
    const body = xlsx(pages, ['city', 'mobile']);
    // Nobody reads: let the writer run as far as it would.
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    // The zip's buffers hold a few pages; without back-pressure all 60 would be taken.
    expect(pulled()).toBeLessThanOrEqual(15);
    body.destroy();
  });

  it('streams a large export to the end, every row in order, with deletedAtSource', async () => {
    const { pages, pulled } = source(PAGES);
    const body = xlsx(pages, ['city', 'mobile']);
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(body, 'end');
    expect(pulled()).toBe(PAGES);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('records')!;
    expect(sheet.rowCount).toBe(PAGES * PER_PAGE + 1);
    expect(sheet.getRow(1).values).toEqual([
      undefined,
      'key',
      'version',
      'collectedAt',
      'deletedAtSource',
      'city',
      'mobile',
    ]);
    expect(sheet.getRow(2).getCell(1).value).toBe('k000000');
    expect(sheet.getRow(2).getCell(4).value).toBe('2026-02-01T00:00:00.000Z');
    expect(sheet.getRow(3).getCell(4).value).toBeNull();
    expect(sheet.getRow(PAGES * PER_PAGE + 1).getCell(1).value).toBe(
      `k${String(PAGES * PER_PAGE - 1).padStart(6, '0')}`,
    );
  });
});
