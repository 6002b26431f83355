// Public face of the store: open a database, its table types, migrations.
export { type DatabaseLocation, parseDatabaseUrl, redactDatabaseUrl } from './database-url.js';
export { type MigrationReport, migrateToLatest } from './migrator.js';
export type * from './schema.js';
export { type Dialect, type OpenStoreOptions, openStore, type Store } from './store.js';
