// `custos backup` and `custos restore`: an encrypted copy of the workspace (SQLite database online,
// declarations, key material) and its restoration into a fresh folder, checked by verifying the
// restored audit log against its trust file and counting the records it holds (docs/security.md).

import path from 'node:path';
import type { Command } from 'commander';
import type { CliEnvironment } from '../environment.js';
import { EXIT_FAILURE, ExitCode, UsageError } from '../exit-codes.js';

export function registerBackupCommands(program: Command, cli: CliEnvironment): void {
  program
    .command('backup')
    .description(
      'write an encrypted backup (SQLite database, declarations, keys) sealed under the master secret; on PostgreSQL, the keys and declarations, and the pg_dump command for the data',
    )
    .requiredOption('--out <file>', 'backup file to create')
    .action(async (options: { out: string }) => {
      const [{ createBackup, postgresDumpCommand }, { resolveMasterSecret }] = await Promise.all([
        import('../../compliance/security/index.js'),
        import('../../context.js'),
      ]);
      await cli.withContext(async (ctx) => {
        const summary = await createBackup({
          workspaceDir: ctx.workspace.dir,
          store: ctx.store,
          masterSecret: resolveMasterSecret(ctx.workspace, cli.io.env),
          out: path.resolve(cli.io.cwd, options.out),
        });
        await ctx.audit.record([
          {
            actor: 'cli',
            action: 'backup.create',
            target: `backup:${summary.sha256.slice(0, 16)}`,
            details: { bytes: summary.bytes, files: summary.files, database: summary.includesDatabase },
          },
        ]);
        // PostgreSQL data is not in the file: pg_dump backs it up, next to the key material here.
        const pgDump = summary.includesDatabase
          ? undefined
          : postgresDumpCommand(ctx.workspace.storageUrl, `${summary.file}.pgdump`);
        cli.print(
          [
            cli.t('cli.backup.written', { file: summary.file, bytes: summary.bytes, sha256: summary.sha256 }),
            ...(pgDump ? [cli.t('cli.backup.postgres', { command: pgDump })] : []),
          ],
          { ...summary, ...(pgDump ? { pgDump } : {}) },
        );
      });
    });

  program
    .command('restore')
    .description('restore a backup into a fresh folder, then verify its audit log and read its records')
    .requiredOption('--from <file>', 'backup file')
    .requiredOption('--into <dir>', 'new workspace folder (must not exist or be empty)')
    .action(async (options: { from: string; into: string }) => {
      const secret = cli.io.env.CUSTOS_MASTER_KEY;
      if (!secret)
        throw new UsageError('set CUSTOS_MASTER_KEY to the master secret the backup was made under');
      const [{ restoreBackup }, { openContext }, { AUDIT_TRUST_FILE, readTrustFile, verifyLog }] =
        await Promise.all([
          import('../../compliance/security/index.js'),
          import('../../context.js'),
          import('../../audit/index.js'),
        ]);
      const into = path.resolve(cli.io.cwd, options.into);
      const restored = await restoreBackup({
        file: path.resolve(cli.io.cwd, options.from),
        masterSecret: secret,
        into,
      });
      const ctx = await openContext(into, { env: cli.io.env, migrate: false, requireMasterSecret: true });
      try {
        const report = await verifyLog(ctx.store, ctx.audit.hashAlgorithm, {
          trust: readTrustFile(path.join(into, AUDIT_TRUST_FILE), AUDIT_TRUST_FILE),
        });
        const records = await ctx.store.db
          .selectFrom('dataset_records')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        // The key material came back too: the key service opens with the master secret.
        const keys = await ctx.keys().status();
        const facts = {
          into,
          files: restored.files,
          database: restored.includesDatabase,
          auditLog: report,
          records: Number(records.n),
          keyVersions: keys,
        };
        if (!report.ok) {
          cli.print(
            cli.t('cli.audit.verify_failed', {
              index: report.problem!.index,
              message: report.problem!.message,
            }),
            facts,
          );
          throw new ExitCode(EXIT_FAILURE);
        }
        cli.print(
          cli.t('cli.backup.restored', { dir: into, entries: report.treeSize, records: Number(records.n) }),
          facts,
        );
      } finally {
        await ctx.close();
      }
    });
}
