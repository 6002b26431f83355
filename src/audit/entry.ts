// Canonical serialisation of an audit entry: the exact bytes that are hashed into the Merkle leaf.
//
//   {"v":1,"index":N,"time":"<ISO 8601 UTC>","actor":"…","action":"…","target":"…"
//    [,"purpose":"…"][,"details":{…}]}
//
// UTF-8 JSON with no whitespace; top-level keys in exactly this order; `details` keys sorted
// recursively; no undefined values. The index inside the entry makes a reordered or shifted row
// detectable from the entry alone. docs/audit-log.md documents the same rules for auditors.

import type { AuditEvent } from '../domain/index.js';

export interface AuditEntry extends AuditEvent {
  index: number;
  time: string;
}

export function serialiseEntry(entry: AuditEntry): string {
  return serialiseEvent(entry, entry.index, JSON.stringify(entry.time));
}

/** The same bytes for an event at `index`, with the time already JSON-encoded (hot path). */
export function serialiseEvent(event: AuditEvent, index: number, timeJson: string): string {
  let out = `{"v":1,"index":${index},"time":${timeJson},"actor":${JSON.stringify(event.actor)},"action":${JSON.stringify(event.action)},"target":${JSON.stringify(event.target)}`;
  if (event.purpose !== undefined) out += `,"purpose":${JSON.stringify(event.purpose)}`;
  if (event.details !== undefined && Object.keys(event.details).length > 0) {
    out += `,"details":${canonicalJson(event.details)}`;
  }
  return `${out}}`;
}

export function parseEntry(text: string): AuditEntry {
  const value = JSON.parse(text) as { v: number } & AuditEntry;
  const { v: _version, ...entry } = value;
  return entry;
}

/** The index an entry claims, read without a full parse (entries start with `{"v":1,"index":N,`). */
export function claimedIndex(text: string): number | undefined {
  const match = /^\{"v":1,"index":(\d+),/.exec(text);
  return match ? Number(match[1]) : undefined;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}
