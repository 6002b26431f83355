// The seam between every privileged action and the verifiable audit log (src/audit implements it).
// An event names ids, never personal-data values, so crypto-shredding never has to touch the log.

export interface AuditEvent {
  /** Who: `user:<username>`, `token:<id>`, `system`, `worker:<id>`. */
  actor: string;
  /** What, as `area.verb`: `user.create`, `token.revoke`, `collect.batch`, `key.rotate`. */
  action: string;
  /** On what: an id or name (`user:alice`, `dataset:loans`), never a value. */
  target: string;
  /** Declared purpose of the action when it touches personal data. */
  purpose?: string;
  /** Extra facts (counts, ids, versions). Never personal data. */
  details?: Record<string, unknown>;
}

export interface AuditTrail {
  /** Appends the events durably, in order, as one batch. */
  record(events: readonly AuditEvent[]): Promise<void>;
}
