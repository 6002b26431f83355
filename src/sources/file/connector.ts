// File sources: CSV (UTF-8 or GBK/GB18030, detected, BOM-aware), NDJSON, JSON arrays and XLSX, all
// streamed so memory does not grow with the file. State is the number of records consumed, so a
// resumed read skips exactly what was stored, together with a fingerprint of the file's head (the
// SHA-256 of its first bytes, up to 64 KiB): a file that grew keeps its head and is read on from
// where the last run stopped, while a file REPLACED by another one (a new delivery under the same
// name) no longer matches and is read from its start — re-reading is safe, storage upserts by
// natural key. Errors name the file and line.

import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type Readable, Transform } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import ExcelJS from 'exceljs';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { z } from 'zod';
import { SourceError } from '../../domain/index.js';
import type { SourceDeclaration } from '../../workspace/index.js';
import { unknownStream } from '../stream-lookup.js';
import type {
  CheckResult,
  Connector,
  ConnectorContext,
  ReadOptions,
  Source,
  SourceBatch,
  SourceRecord,
  SourceState,
  StreamDescription,
} from '../types.js';

export const fileSettings = z
  .object({
    path: z.string().min(1),
    format: z.enum(['csv', 'ndjson', 'json', 'xlsx']).optional(),
    encoding: z.enum(['utf8', 'gb18030', 'gbk']).optional(),
    delimiter: z.string().length(1).default(','),
    batchSize: z.number().int().min(1).max(100_000).default(1_000),
    /** Stream name (default: the file name without extension). */
    stream: z.string().min(1).optional(),
    sheet: z.string().optional(),
  })
  .strict();
export type FileSettings = z.infer<typeof fileSettings>;

export const fileConnector: Connector<FileSettings> = {
  type: 'file',
  spec: fileSettings,
  open: (declaration, settings, context) => new FileSource(declaration, settings, context),
};

// Type aliases (not interfaces): a state must be a plain JSON object (SourceState).
type FileState = {
  consumed: number;
  /** The file's head when those records were consumed (absent in states from older versions). */
  head?: FileHead;
};

type FileHead = {
  bytes: number;
  sha256: string;
};

/** Most bytes of the file's head that identify it. */
const HEAD_BYTES = 64 * 1024;

async function headOf(file: string, bytes: number): Promise<FileHead | undefined> {
  const handle = await openFile(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    let read = 0;
    while (read < bytes) {
      const { bytesRead } = await handle.read(buffer, read, bytes - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read < bytes) return undefined; // shorter than the head we knew: not the same file
    return { bytes, sha256: createHash('sha256').update(buffer).digest('hex') };
  } finally {
    await handle.close();
  }
}

class FileSource implements Source {
  readonly type = 'file' as const;
  readonly name: string;
  private readonly file: string;
  private readonly format: NonNullable<FileSettings['format']>;
  private readonly stream: string;

  constructor(
    declaration: SourceDeclaration,
    private readonly settings: FileSettings,
    context: ConnectorContext,
  ) {
    this.name = declaration.name;
    this.file = path.resolve(context.workspaceDir, settings.path);
    const ext = path.extname(settings.path).toLowerCase();
    this.format =
      settings.format ??
      (ext === '.csv' ? 'csv' : ext === '.xlsx' ? 'xlsx' : ext === '.json' ? 'json' : 'ndjson');
    this.stream = settings.stream ?? path.basename(settings.path, ext);
  }

  async check(): Promise<CheckResult> {
    try {
      const stat = statSync(this.file);
      return {
        ok: true,
        identity: 'local file',
        message: `${this.settings.path}: ${stat.size} bytes, ${this.format}`,
      };
    } catch {
      return { ok: false, message: `${this.settings.path} cannot be read` };
    }
  }

  async discover(): Promise<StreamDescription[]> {
    const fields = new Map<string, string>();
    let seen = 0;
    for await (const batch of this.read(this.stream, null, { batchSize: 100 })) {
      for (const r of batch.records)
        for (const [k, v] of Object.entries(r))
          if (!fields.has(k)) fields.set(k, v === null ? 'null' : typeof v);
      seen += batch.records.length;
      if (seen >= 100) break;
    }
    return [{ name: this.stream, fields: [...fields].map(([name, type]) => ({ name, type })) }];
  }

  async *read(
    streamName: string,
    rawState: SourceState,
    options: ReadOptions = {},
  ): AsyncIterable<SourceBatch> {
    if (streamName !== this.stream) throw unknownStream(this.name);
    const saved = (rawState ?? {}) as Partial<FileState>;
    let skip = saved.consumed ?? 0;
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      throw new SourceError(`source ${this.name}: ${this.settings.path} cannot be read`, {
        source: this.name,
        file: this.settings.path,
      });
    }
    if (skip > 0 && saved.head) {
      const now = await headOf(this.file, saved.head.bytes);
      if (now?.sha256 !== saved.head.sha256) skip = 0; // replaced by another file: read it all
    }
    const head = await headOf(this.file, Math.min(size, HEAD_BYTES));
    const state = (consumed: number): FileState => (head ? { consumed, head } : { consumed });
    const batchSize = Math.min(options.batchSize ?? this.settings.batchSize, this.settings.batchSize);
    // Bytes of the file read so far (text formats; a little ahead of parsing, by one chunk at most).
    const counter = { bytes: 0 };
    const progress = () =>
      this.format === 'xlsx' ? {} : { progress: { done: Math.min(counter.bytes, size), total: size } };
    let consumed = 0;
    let batch: SourceRecord[] = [];
    let firstLine = 0;
    for await (const { record, line } of this.records(counter)) {
      options.signal?.throwIfAborted();
      consumed += 1;
      if (consumed <= skip) continue;
      if (batch.length === 0) firstLine = line;
      batch.push(record);
      if (batch.length >= batchSize) {
        yield {
          records: batch,
          state: state(consumed),
          position: `${this.settings.path}:${firstLine}-${line}`,
          ...progress(),
        };
        batch = [];
      }
    }
    if (batch.length > 0)
      yield {
        records: batch,
        state: state(consumed),
        position: `${this.settings.path}:${firstLine}-end`,
        ...progress(),
      };
  }

  /** The file's records in order; `read` has already checked that the file can be read. */
  private async *records(counter: { bytes: number }): AsyncGenerator<{ record: SourceRecord; line: number }> {
    if (this.format === 'xlsx') {
      yield* this.xlsx();
      return;
    }
    const text = await this.decoded(counter);
    if (this.format === 'csv') {
      const parser = text.pipe(
        parseCsv({
          columns: true,
          bom: true,
          skip_empty_lines: true,
          delimiter: this.settings.delimiter,
          info: true,
        }),
      );
      try {
        for await (const { record, info } of parser as AsyncIterable<{
          record: SourceRecord;
          info: { lines: number };
        }>) {
          yield { record, line: info.lines };
        }
      } catch (error) {
        const e = error as { lines?: number; code?: string };
        throw new SourceError(
          `source ${this.name}: ${this.settings.path} line ${e.lines ?? '?'}: malformed CSV (${e.code ?? 'parse error'})`,
          {
            source: this.name,
            file: this.settings.path,
            line: e.lines,
          },
        );
      }
      return;
    }
    if (this.format === 'ndjson') {
      let line = 0;
      for await (const raw of createInterface({ input: text, crlfDelay: Number.POSITIVE_INFINITY })) {
        line += 1;
        const trimmed = raw.trim();
        if (trimmed === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(trimmed);
        } catch {
          throw new SourceError(`source ${this.name}: ${this.settings.path} line ${line} is not valid JSON`, {
            source: this.name,
            file: this.settings.path,
            line,
          });
        }
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new SourceError(
            `source ${this.name}: ${this.settings.path} line ${line} is not a JSON object`,
            {
              source: this.name,
              file: this.settings.path,
              line,
            },
          );
        }
        yield { record: value as SourceRecord, line };
      }
      return;
    }
    // JSON array, streamed element by element.
    const items = text.pipe(streamArray.withParserAsStream());
    let index = 0;
    try {
      for await (const { value } of items as AsyncIterable<{ value: unknown }>) {
        index += 1;
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new SourceError(
            `source ${this.name}: ${this.settings.path} item ${index} is not a JSON object`,
            {
              source: this.name,
              file: this.settings.path,
              item: index,
            },
          );
        }
        yield { record: value as SourceRecord, line: index };
      }
    } catch (error) {
      if (error instanceof SourceError) throw error;
      throw new SourceError(
        `source ${this.name}: ${this.settings.path} is not a valid JSON array (after item ${index})`,
        {
          source: this.name,
          file: this.settings.path,
        },
      );
    }
  }

  /** A text stream of the file, decoded from UTF-8 or GBK/GB18030 (detected from the first 64 KiB). */
  private async decoded(counter: { bytes: number }): Promise<Readable> {
    let encoding = this.settings.encoding === 'gbk' ? 'gb18030' : this.settings.encoding;
    if (!encoding) {
      const handle = await openFile(this.file, 'r');
      try {
        const probe = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(probe, 0, probe.length, 0);
        try {
          // stream: true tolerates a multi-byte character cut at the end of the probe.
          new TextDecoder('utf-8', { fatal: true }).decode(probe.subarray(0, bytesRead), { stream: true });
          encoding = 'utf8';
        } catch {
          encoding = 'gb18030';
        }
      } finally {
        await handle.close();
      }
    }
    const decoder = new TextDecoder(encoding === 'utf8' ? 'utf-8' : 'gb18030', { fatal: true });
    const file = this.settings.path;
    const source = this.name;
    const transform = new Transform({
      readableObjectMode: false,
      transform(chunk: Buffer, _enc, done) {
        counter.bytes += chunk.length;
        try {
          done(null, decoder.decode(chunk, { stream: true }));
        } catch {
          done(new SourceError(`source ${source}: ${file} is not valid ${encoding}`, { source, file }));
        }
      },
      flush(done) {
        try {
          done(null, decoder.decode());
        } catch {
          done(new SourceError(`source ${source}: ${file} ends inside a character`, { source, file }));
        }
      },
    });
    return createReadStream(this.file).pipe(transform);
  }

  private async *xlsx(): AsyncGenerator<{ record: SourceRecord; line: number }> {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(this.file, {
      sharedStrings: 'cache',
      worksheets: 'emit',
      hyperlinks: 'ignore',
      styles: 'ignore',
    });
    try {
      for await (const sheet of reader) {
        const worksheet = sheet as unknown as AsyncIterable<ExcelJS.Row> & { name?: string };
        if (this.settings.sheet && worksheet.name !== undefined && worksheet.name !== this.settings.sheet)
          continue;
        let headers: string[] | undefined;
        for await (const row of worksheet) {
          const values = (row.values as unknown[]).slice(1).map(cellValue);
          if (!headers) {
            headers = values.map((v, i) => (v === null || v === '' ? `column_${i + 1}` : String(v)));
            continue;
          }
          if (values.every((v) => v === null || v === '')) continue;
          const record: SourceRecord = {};
          headers.forEach((h, i) => {
            record[h] = values[i] ?? null;
          });
          yield { record, line: row.number };
        }
        if (!this.settings.sheet) return; // first sheet only unless one is named
      }
    } catch (error) {
      if (error instanceof SourceError) throw error;
      throw new SourceError(`source ${this.name}: ${this.settings.path} is not a readable XLSX file`, {
        source: this.name,
        file: this.settings.path,
      });
    }
  }

  async close(): Promise<void> {}
}

function cellValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { text?: unknown; result?: unknown; richText?: Array<{ text: string }> };
    if (v.richText) return v.richText.map((t) => t.text).join('');
    if (v.result !== undefined) return cellValue(v.result);
    if (v.text !== undefined) return String(v.text);
    return JSON.stringify(value);
  }
  return value;
}
