// A file of consents (CSV with a header row, or NDJSON) turned into ledger events, line by line. A
// line that cannot be read is reported by its line number and field, never its values (they are
// identifiers and consent references). Used by `custos consent import`.

import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { CustosError } from '../domain/index.js';
import type { ConsentEvent, ConsentLedger } from './consent-ledger.js';

export const CONSENT_FILE_FORMATS = ['csv', 'ndjson'] as const;
export type ConsentFileFormat = (typeof CONSENT_FILE_FORMATS)[number];

export interface ConsentFileProblem {
  /** 1-based line of the file (CSV: the header is line 1). */
  line: number;
  field: string;
  message: string;
}

export interface ParsedConsentFile {
  /** Events of the lines that could be read, each line's events together. */
  lines: Array<{ line: number; events: ConsentEvent[] }>;
  problems: ConsentFileProblem[];
}

const flag = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const t = v.trim().toLowerCase();
  if (t === '') return undefined;
  if (['true', '1', 'yes', 'y', '是'].includes(t)) return true;
  if (['false', '0', 'no', 'n', '否'].includes(t)) return false;
  return v;
}, z.boolean().optional());

const optionalText = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z.string().optional(),
);

const lineSchema = z.object({
  identifier: z.string().min(1),
  action: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.enum(['granted', 'withdrawn']).default('granted'),
  ),
  // CSV: purposes separated by `;` or `|` (a comma is the column separator).
  purposes: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(/[;|,]/)
            .map((p) => p.trim())
            .filter((p) => p !== '')
        : v,
    z.array(z.string().min(1)).min(1),
  ),
  separate: flag,
  crossBorder: flag,
  channel: optionalText,
  evidence: optionalText,
  noticeVersion: optionalText,
  at: optionalText,
});

/** Column names accepted besides the API's (snake_case). */
const ALIASES: Record<string, string> = {
  cross_border: 'crossBorder',
  notice_version: 'noticeVersion',
};

/** Reads a consent file into events; problems name line and field only. */
export function parseConsentFile(
  ledger: ConsentLedger,
  text: string,
  format: ConsentFileFormat,
  channel: string,
): ParsedConsentFile {
  const rows: Array<{ line: number; value: unknown } | { line: number; problem: ConsentFileProblem }> = [];
  if (format === 'ndjson') {
    text.split(/\r?\n/).forEach((raw, i) => {
      if (raw.trim() === '') return;
      try {
        rows.push({ line: i + 1, value: JSON.parse(raw) as unknown });
      } catch {
        // The parser's message quotes the text around the error: report the line only.
        rows.push({ line: i + 1, problem: { line: i + 1, field: '-', message: 'not a JSON object' } });
      }
    });
  } else {
    let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
    try {
      records = parse(text, {
        columns: (header: string[]) => header.map((h) => ALIASES[h.trim()] ?? h.trim()),
        skip_empty_lines: true,
        bom: true,
        info: true,
        relax_column_count: false,
      }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
    } catch (error) {
      const line = (error as { lines?: number }).lines ?? 0;
      // csv-parse's message can quote the offending field: only its position is reported.
      return {
        lines: [],
        problems: [{ line, field: '-', message: 'not readable as CSV (quotes or columns)' }],
      };
    }
    for (const { record, info } of records) rows.push({ line: info.lines, value: record });
  }

  const parsed: ParsedConsentFile = { lines: [], problems: [] };
  for (const row of rows) {
    if ('problem' in row) {
      parsed.problems.push(row.problem);
      continue;
    }
    const value =
      typeof row.value === 'object' && row.value !== null && !Array.isArray(row.value)
        ? Object.fromEntries(Object.entries(row.value).map(([k, v]) => [ALIASES[k] ?? k, v]))
        : row.value;
    const result = lineSchema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      parsed.problems.push({
        line: row.line,
        field: issue.path.length > 0 ? issue.path.join('.') : '-',
        // zod's messages name expected types and options, never the received value.
        message: issue.code === 'invalid_type' && issue.input === undefined ? 'missing' : issue.message,
      });
      continue;
    }
    const input = result.data;
    try {
      const events =
        input.action === 'granted'
          ? ledger.grantEvents({ ...input, evidence: input.evidence ?? '' }, channel)
          : ledger.withdrawalEvents(input, channel);
      parsed.lines.push({ line: row.line, events });
    } catch (error) {
      if (!(error instanceof CustosError)) throw error;
      const field = (error.details as { field?: string } | undefined)?.field ?? '-';
      parsed.problems.push({ line: row.line, field, message: error.message });
    }
  }
  return parsed;
}
