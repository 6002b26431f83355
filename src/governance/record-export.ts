// Streamed exports of a dataset through the governed read path: NDJSON, CSV or XLSX, page by page
// and only as fast as the client reads (memory stays flat however large the dataset). Each export
// has an id; the audit log gets one entry when it starts and one when it ends (completed or
// aborted) with the record count. Records deleted at source carry `deletedAtSource` (a column in
// CSV and XLSX) unless the export leaves them out.

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Principal } from '../domain/index.js';
import type { AccessPolicyService, ReadPermission } from './access-policy-service.js';
import type { RecordItem, RecordReadService } from './record-read-service.js';
import type { ReadableRecord, RecordReader } from './record-reader.js';

export const EXPORT_FORMATS = ['ndjson', 'csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface RecordExport {
  id: string;
  format: ExportFormat;
  contentType: string;
  filename: string;
  /** The file's bytes; reading it runs the export. */
  body: Readable;
}

/**
 * Keeps, of a page of stored records, those the export may carry (a provision to a third party
 * keeps the subjects holding its separate consent); the rest are left out and counted.
 */
export type RecordGate = (records: readonly ReadableRecord[]) => Promise<ReadableRecord[]>;

/** How an export ended: records written, left out by the gate, completed or aborted. */
export interface ExportOutcome {
  status: 'completed' | 'aborted';
  count: number;
  leftOut: number;
}

const PAGE = 1000;

export class RecordExporter {
  constructor(
    private readonly reader: RecordReader,
    private readonly policy: AccessPolicyService,
    private readonly reads: RecordReadService,
  ) {}

  /** Authorises now (a refusal is thrown before any byte is sent); the body streams the records. */
  async start(
    principal: Principal,
    datasetName: string,
    options: {
      purpose: string;
      format: ExportFormat;
      fields?: readonly string[];
      /** Records deleted at source: included (flagged) by default; false leaves them out. */
      includeDeleted?: boolean;
      /** Applied to each page before policy shaping; what it drops is counted as left out. */
      gate?: RecordGate;
      /** Called once when the export ends (after its audit entry), whatever the ending. */
      onEnd?: (outcome: ExportOutcome) => Promise<void>;
      /** Extra details for the export's audit entries (e.g. the share it carries). */
      details?: Record<string, unknown>;
    },
  ): Promise<RecordExport> {
    const permission = await this.policy.authorise(principal, datasetName, options.purpose, options.fields);
    const id = `exp_${randomUUID()}`;
    await this.reads.recordRead(principal, 'records.export.start', permission, emptyResult(permission), {
      export: id,
      format: options.format,
      includeDeleted: options.includeDeleted ?? true,
      ...options.details,
    });
    const pages = this.pages(principal, permission, id, options);
    const columns = permission.fields.map((f) => f.field);
    const body =
      options.format === 'ndjson'
        ? Readable.from(ndjson(pages))
        : options.format === 'csv'
          ? Readable.from(csv(pages, columns))
          : xlsx(pages, columns);
    return {
      id,
      format: options.format,
      contentType: EXPORT_CONTENT_TYPES[options.format],
      filename: `${datasetName}-${id}.${options.format}`,
      body,
    };
  }

  private async *pages(
    principal: Principal,
    permission: ReadPermission,
    id: string,
    options: {
      includeDeleted?: boolean;
      gate?: RecordGate;
      onEnd?: (outcome: ExportOutcome) => Promise<void>;
      details?: Record<string, unknown>;
    },
  ): AsyncGenerator<RecordItem[]> {
    const includeDeleted = options.includeDeleted ?? true;
    const totals = {
      items: 0,
      noConsent: 0,
      filtered: 0,
      deletedAtSource: 0,
      damaged: 0,
      erased: 0,
      leftOut: 0,
    };
    let status: ExportOutcome['status'] = 'aborted';
    try {
      let cursor: string | undefined;
      do {
        const page = await this.reader.readCurrent(permission.dataset.name, {
          limit: PAGE,
          ...(cursor === undefined ? {} : { cursor }),
        });
        const admitted = options.gate ? await options.gate(page.records) : page.records;
        totals.leftOut += page.records.length - admitted.length;
        const shaped = await this.reads.shape(permission, admitted, { includeDeleted });
        totals.items += shaped.items.length;
        totals.noConsent += shaped.withheld.noConsent;
        totals.filtered += shaped.withheld.filtered;
        totals.deletedAtSource += shaped.withheld.deletedAtSource;
        totals.damaged += shaped.damaged.length;
        totals.erased += shaped.erased;
        yield shaped.items;
        cursor = page.next ?? undefined;
      } while (cursor !== undefined);
      status = 'completed';
    } finally {
      // Runs on completion, on error and when the consumer stops reading (client gone).
      await this.reads.recordRead(
        principal,
        'records.export',
        permission,
        {
          ...emptyResult(permission),
          withheld: {
            noConsent: totals.noConsent,
            filtered: totals.filtered,
            deletedAtSource: totals.deletedAtSource,
          },
          erased: totals.erased,
        },
        {
          export: id,
          status,
          count: totals.items,
          damaged: totals.damaged,
          ...(options.gate ? { leftOut: totals.leftOut } : {}),
          ...options.details,
        },
      );
      await options.onEnd?.({ status, count: totals.items, leftOut: totals.leftOut });
    }
  }
}

function emptyResult(permission: ReadPermission) {
  return {
    items: [],
    withheld: { noConsent: 0, filtered: 0, deletedAtSource: 0 },
    damaged: [] as string[],
    erased: 0,
    grant: permission.grant?.id ?? null,
  };
}

/** One chunk per page: a chunk per line would cost the stream more than the line. */
async function* ndjson(pages: AsyncIterable<RecordItem[]>): AsyncGenerator<string> {
  for await (const page of pages)
    if (page.length > 0) yield page.map((item) => `${JSON.stringify(item)}\n`).join('');
}

/** RFC 4180 field; a leading = + - @ is quoted with ' so a spreadsheet never runs it as a formula. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function* csv(pages: AsyncIterable<RecordItem[]>, columns: string[]): AsyncGenerator<string> {
  // A BOM so spreadsheet software reads the UTF-8 (Chinese text) correctly.
  yield `\ufeff${['key', 'version', 'collectedAt', 'deletedAtSource', ...columns].map(csvField).join(',')}\r\n`;
  for await (const page of pages) {
    if (page.length === 0) continue;
    yield page
      .map(
        (item) =>
          `${[item.key, item.version, item.collectedAt, item.deletedAtSource, ...columns.map((c) => item.fields[c])].map(csvField).join(',')}\r\n`,
      )
      .join('');
  }
}

/**
 * XLSX through exceljs's streaming writer. Its rows go synchronously into the zip (deflated on
 * libuv's pool) whatever the reader does, so the back-pressure is ours: after each page the next
 * waits while `out` — piped to the HTTP response, whose drain it follows — is full. What can be in
 * flight is the zip's own buffers (a few pages), never the dataset.
 */
export function xlsx(pages: AsyncIterable<RecordItem[]>, columns: string[]): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('records');
  const cell = (v: unknown) =>
    v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : v;
  const drained = async () => {
    // Let the zip hand on what the page wrote, then wait while the reader is behind.
    await new Promise((resolve) => setImmediate(resolve));
    while (out.writableNeedDrain && !out.destroyed)
      await Promise.race([once(out, 'drain'), once(out, 'close')]);
  };
  (async () => {
    sheet.addRow(['key', 'version', 'collectedAt', 'deletedAtSource', ...columns]).commit();
    for await (const page of pages) {
      if (out.destroyed) break;
      for (const item of page) {
        sheet
          .addRow([
            item.key,
            item.version,
            item.collectedAt,
            item.deletedAtSource ?? null,
            ...columns.map((c) => cell(item.fields[c])),
          ])
          .commit();
      }
      await drained();
    }
    if (out.destroyed) return;
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error('export failed')));
  return out;
}
