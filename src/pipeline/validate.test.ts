// Date-times without a zone are read as UTC whatever the process time zone; zoned ones keep theirs.

import { afterEach, describe, expect, it } from 'vitest';
import { DatasetValidator } from './validate.js';

const validator = new DatasetValidator({
  name: 'events',
  naturalKey: ['id'],
  subjectFields: [],
  purposes: [],
  fields: { id: { type: 'string', required: true }, at: { type: 'datetime' } },
} as never);
const stored = (at: unknown) => {
  const outcome = validator.validate({ id: '1', at });
  return outcome.ok ? outcome.record.at : outcome.detail;
};

const zone = process.env.TZ;
afterEach(() => {
  // Node re-reads TZ when it is assigned.
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

describe.each(['UTC', 'Asia/Shanghai', 'America/New_York'])('datetime fields with TZ=%s', (tz) => {
  it('reads a date-time without a zone as UTC, one with a zone in its zone', () => {
    process.env.TZ = tz;
    expect(stored('2026-03-08 02:30:00')).toBe('2026-03-08T02:30:00.000Z');
    expect(stored('2026-03-08T02:30:00')).toBe('2026-03-08T02:30:00.000Z');
    expect(stored('2026-03-08 02:30:00.123457')).toBe('2026-03-08T02:30:00.123Z');
    expect(stored('2026-03-08T10:30:00+08:00')).toBe('2026-03-08T02:30:00.000Z');
    expect(stored('2026-03-08 10:30:00+08')).toBe('2026-03-08T02:30:00.000Z');
    expect(stored('2026-03-08T02:30:00.123457Z')).toBe('2026-03-08T02:30:00.123Z');
    expect(stored('yesterday')).toBe('at: not a valid datetime');
  });
});
