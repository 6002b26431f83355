// The client address of the HTTP request an entry is written for. The API enters a scope per
// request (src/api/client-address.ts); every entry appended inside it carries the address as
// `details.clientAddress` unless the caller set one. Entries written by the CLI, the scheduler or
// a worker outside any request carry none. `details` is hashed like any other detail, so entries
// written before this existed verify unchanged (docs/audit-log.md).

import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditEvent } from '../domain/index.js';

const scope = new AsyncLocalStorage<{ clientAddress: string }>();

/** Runs `fn` with `clientAddress` as the address of the entries it appends. */
export function withClientAddress<T>(clientAddress: string, fn: () => T): T {
  return scope.run({ clientAddress }, fn);
}

/** The address of the request being served, if any. */
export function currentClientAddress(): string | undefined {
  return scope.getStore()?.clientAddress;
}

/** The event with the current request's address added (an address the caller set wins). */
export function withRequestAddress(event: AuditEvent, clientAddress: string | undefined): AuditEvent {
  if (clientAddress === undefined || event.details?.clientAddress !== undefined) return event;
  return { ...event, details: { ...event.details, clientAddress } };
}
