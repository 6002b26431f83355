// Child process for time-zone tests: reads database streams the way runs do — a few batches per
// run, the state checkpointed as JSON between runs — under the process time zone it was started
// with (TZ=…), and prints what it read as JSON. A read that returns far more rows than the table
// holds (a cursor that never advances) is stopped and reported, never left running.
//
// argv[2]: JSON { dialect, location, streams: { name: { table, cursor, primaryKey } }, expected }

import { openSource } from '../../src/sources/registry.js';
import type { SourceState } from '../../src/sources/types.js';

interface Job {
  dialect: 'postgres' | 'mysql';
  location: string;
  streams: Record<string, { table: string; cursor: string; primaryKey: string[] }>;
  /** Rows in each table; reading more than three times as many stops the stream. */
  expected: number;
}

const job = JSON.parse(process.argv[2]!) as Job;
const result: Record<
  string,
  { ids: number[]; cursorValues: Record<string, unknown>; runs: number; stopped: boolean }
> = {};
for (const stream of Object.keys(job.streams)) {
  const ids: number[] = [];
  const cursorValues: Record<string, unknown> = {};
  let state: SourceState = null;
  let runs = 0;
  let stopped = false;
  for (let finished = false; !finished && !stopped; ) {
    runs += 1;
    const source = openSource(
      {
        name: 'partner-db',
        type: 'database',
        egress: { allow: ['127.0.0.1'], allowPrivate: true },
        dialect: job.dialect,
        url: 'env:PARTNER_DB_URL',
        batchSize: 10,
        countRows: false,
        streams: job.streams,
      } as never,
      { workspaceDir: process.cwd(), env: { PARTNER_DB_URL: job.location }, allowPrivateNetworks: true },
    );
    let batches = 0;
    finished = true;
    for await (const batch of source.read(stream, state)) {
      for (const record of batch.records) {
        ids.push(Number(record.id));
        cursorValues[String(record.id)] = record[job.streams[stream]!.cursor];
      }
      // The checkpoint as the store keeps it: JSON text.
      state = JSON.parse(JSON.stringify(batch.state)) as SourceState;
      batches += 1;
      if (ids.length > job.expected * 3) {
        stopped = true;
        break;
      }
      // Twenty batches per run, then the process "stops" and the next run resumes from the checkpoint.
      if (batches === 20) {
        finished = false;
        break;
      }
    }
    await source.close();
  }
  result[stream] = { ids, cursorValues, runs, stopped };
}
process.stdout.write(
  JSON.stringify({ timeZoneOffsetMinutes: new Date(2026, 0, 15).getTimezoneOffset(), streams: result }),
);
