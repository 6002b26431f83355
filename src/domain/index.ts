// Public face of the domain layer: pure types and rules, no I/O.

export * from './audit-event.js';
export * from './classification.js';
export * from './errors.js';
export * from './ids.js';
export * from './list-page.js';
export * from './log-redaction.js';
export * from './login-backoff.js';
export * from './messages/index.js';
export * from './network-address.js';
export * from './principal.js';
export * from './roles.js';
export * from './time.js';
export * from './working-days.js';
