// Public face of security operations that are not monitoring: backups.
export {
  type BackupSummary,
  createBackup,
  postgresDumpCommand,
  RESTORED_DATABASE,
  restoreBackup,
} from './backup.js';
