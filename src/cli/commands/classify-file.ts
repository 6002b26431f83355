// What `custos classify FILE` does (classify.ts declares the command; this loads only when it runs):
// entity spans for text, one result per field for CSV, NDJSON and JSON; values masked unless asked.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import {
  classifyFields,
  type Detection,
  evaluate,
  type FieldClassification,
  mask,
  maskValue,
  scanText,
} from '../../classify/index.js';
import { ENTITY_FACTS, ValidationError } from '../../domain/index.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

type Format = 'csv' | 'ndjson' | 'json' | 'text';
const ENCODINGS = ['utf8', 'utf-8', 'gbk', 'gb18030'];

export interface ClassifyOptions {
  format?: string;
  encoding?: string;
  showValues?: boolean;
  sample: string;
  evaluate?: boolean;
}

export function classifyFile(cli: CliEnvironment, file: string | undefined, options: ClassifyOptions): void {
  if (options.evaluate) {
    const scores = evaluate(2_000);
    cli.print(
      scores.map(
        (s) =>
          `${s.type.padEnd(18)} P ${s.precision.toFixed(4)}  R ${s.recall.toFixed(4)}  F1 ${s.f1.toFixed(4)}  (tp ${s.truePositives}, fp ${s.falsePositives}, fn ${s.falseNegatives})`,
      ),
      { scores },
    );
    return;
  }
  if (!file) throw new UsageError('name a file to classify (or use --evaluate)');
  const format = resolveFormat(file, options.format);
  const sample = Number(options.sample);
  if (!Number.isInteger(sample) || sample < 1) throw new UsageError('--sample must be a positive integer');
  const text = decodeFile(file, options.encoding);
  const show = options.showValues === true;
  if (format === 'text') {
    const entities = scanText(text);
    const json = { entities: entities.map((e) => entityJson(text, e, show)) };
    cli.print(
      entities.length === 0
        ? cli.t('cli.classify.none')
        : entities.map((e) => `${e.start}-${e.end}\t${e.type}\t${e.confidence}\t${spanValue(text, e, show)}`),
      json,
    );
    return;
  }
  const records = parseRecords(file, text, format, sample);
  const fields = classifyFields(records, { sampleSize: sample });
  const json = fields.map((f) => ({ ...f, example: exampleOf(records, f, show) }));
  cli.print(
    [
      cli.t('cli.classify.summary', {
        file: path.basename(file),
        records: records.length,
        fields: fields.length,
      }),
      ...json.map(
        (f) =>
          `${f.field}\t${f.category ?? '-'}\tL${f.level}\t${f.sensitive ? 'sensitive' : ''}\t${f.entities
            .map((e) => `${e.type} ${Math.round(e.share * 100)}%`)
            .join(', ')}\t${f.confidence}\t${f.example ?? ''}`,
      ),
    ],
    json,
  );
}

function resolveFormat(file: string, given?: string): Format {
  if (given !== undefined) {
    if (!['csv', 'ndjson', 'json', 'text'].includes(given))
      throw new UsageError('--format must be csv, ndjson, json or text');
    return given as Format;
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.json') return 'json';
  return 'text';
}

/** Decodes UTF-8 (BOM-aware) or GBK/GB18030, refusing binary and undecodable files by name and line. */
export function decodeFile(file: string, encoding?: string): string {
  if (encoding !== undefined && !ENCODINGS.includes(encoding.toLowerCase())) {
    throw new UsageError(`--encoding must be one of ${ENCODINGS.join(', ')}`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new ValidationError(`${file}: cannot be read`, { file });
  }
  if (bytes.length === 0) throw new ValidationError(`${file}: the file is empty`, { file });
  const nul = bytes.subarray(0, 64 * 1024).indexOf(0);
  if (nul >= 0) {
    throw new ValidationError(
      `${file}: binary content (NUL byte at offset ${nul}, line ${lineAt(bytes, nul)})`,
      {
        file,
        line: lineAt(bytes, nul),
      },
    );
  }
  const tryDecode = (label: string): string | undefined => {
    try {
      return new TextDecoder(label, { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      return undefined;
    }
  };
  const forced = encoding?.toLowerCase().replace('utf-8', 'utf8');
  const text =
    forced === undefined
      ? (tryDecode('utf-8') ?? tryDecode('gb18030'))
      : tryDecode(forced === 'utf8' ? 'utf-8' : forced);
  if (text === undefined) {
    const bad = firstInvalidUtf8(bytes);
    throw new ValidationError(
      `${file}: not text in ${forced ?? 'UTF-8 or GBK/GB18030'} (undecodable bytes at offset ${bad}, line ${lineAt(bytes, bad)})`,
      { file, line: lineAt(bytes, bad) },
    );
  }
  if (text.trim().length === 0)
    throw new ValidationError(`${file}: the file holds only whitespace`, { file });
  return text;
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line += 1;
  return line;
}

function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) {
    const slice = bytes.subarray(0, i + 1);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(slice, { stream: true });
    } catch {
      return i;
    }
  }
  return 0;
}

function parseRecords(file: string, text: string, format: Exclude<Format, 'text'>, limit: number) {
  const records: Array<Record<string, unknown>> = [];
  if (format === 'csv') {
    try {
      const rows = parseCsv(text, {
        columns: true,
        skip_empty_lines: true,
        bom: true,
        to: limit + 1,
      }) as Array<Record<string, string>>;
      records.push(...rows.slice(0, limit));
    } catch (error) {
      const e = error as { lines?: number; message?: string };
      throw new ValidationError(
        `${file}: malformed CSV at line ${e.lines ?? '?'}: ${(e.message ?? '').split(':')[0]}`,
        {
          file,
          line: e.lines,
        },
      );
    }
  } else if (format === 'ndjson') {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length && records.length < limit; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new ValidationError(`${file}: line ${i + 1} is not valid JSON`, { file, line: i + 1 });
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ValidationError(`${file}: line ${i + 1} is not a JSON object`, { file, line: i + 1 });
      }
      records.push(value as Record<string, unknown>);
    }
  } else {
    let value: unknown;
    try {
      value = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (error) {
      const at = /position (\d+)/.exec(String((error as Error).message))?.[1];
      const line = at === undefined ? undefined : text.slice(0, Number(at)).split('\n').length;
      throw new ValidationError(`${file}: not valid JSON${line ? ` (line ${line})` : ''}`, { file, line });
    }
    const list = Array.isArray(value) ? value : [value];
    list.slice(0, limit).forEach((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        throw new ValidationError(`${file}: item ${i + 1} is not a JSON object`, { file, item: i + 1 });
      }
      records.push(item as Record<string, unknown>);
    });
  }
  if (records.length === 0) throw new ValidationError(`${file}: no records`, { file });
  return records;
}

function spanValue(text: string, e: Detection, show: boolean): string {
  const value = text.slice(e.start, e.end);
  return show ? value : maskValue(e.type, value);
}

function entityJson(text: string, e: Detection, show: boolean) {
  return {
    type: e.type,
    start: e.start,
    end: e.end,
    confidence: e.confidence,
    evidence: e.evidence,
    value: spanValue(text, e, show),
  };
}

function exampleOf(records: ReadonlyArray<Record<string, unknown>>, f: FieldClassification, show: boolean) {
  const raw = records.find((r) => r[f.field] !== undefined && r[f.field] !== null && r[f.field] !== '')?.[
    f.field
  ];
  if (raw === undefined) return null;
  const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
  if (show) return value;
  // Evidence is empty exactly when no entity type was accepted for the field: nothing says the
  // value is public (a card number that fails Luhn is still a card number), so all of it is masked.
  // A field of personal information is masked as its first personal type, never as an
  // organisation code (which is shown in clear).
  const type = f.entities.find(
    (e) => (f.category === null) === (ENTITY_FACTS[e.type].category === null),
  )?.type;
  return f.evidence.length === 0 || type === undefined
    ? mask(value, { kind: 'mask' })
    : maskValue(type, value);
}
