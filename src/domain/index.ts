// Public face of the domain layer: pure types and rules, no I/O.
export * from './audit-event.js';
export * from './errors.js';
export * from './ids.js';
export * from './roles.js';
export * from './time.js';
