// Public face of the store: open a database, its table types, migrations, the record store.
export { type DatabaseLocation, parseDatabaseUrl, redactDatabaseUrl } from './database-url.js';
export { type MigrationReport, migrateToLatest } from './migrator.js';
export {
  type BatchOutcome,
  type ExpiredRecord,
  type ExpiredRecordsOptions,
  type QuarantinedCopy,
  type QuarantineWrite,
  type ReadPageOptions,
  type RecordBatch,
  type RecordCorrection,
  type RecordDeletion,
  type RecordPage,
  type RecordStore,
  type RecordVersion,
  type RecordWrite,
  type StoredRecord,
  SUBJECT_INDEX_FIELD,
  type SubjectErasure,
  sealingSubject,
  type WriteBatchOptions,
} from './record-store.js';
export type * from './schema.js';
export { type Dialect, type OpenStoreOptions, openStore, type Store } from './store.js';
