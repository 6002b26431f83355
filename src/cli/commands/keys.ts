// `custos keys …`: key status, KEK rotation and background rewrap, retirement, crypto-shredding of a
// data subject, and blind-index values for lookups. Needs the master secret (CUSTOS_MASTER_KEY, or
// a prompt on a terminal).

import type { Command } from 'commander';
import type { AppContext } from '../../context.js';
import type { IdentifierKind } from '../../crypto/index.js';

import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

const KINDS: IdentifierKind[] = ['id_card', 'phone', 'bank_card', 'email', 'uscc', 'passport', 'text'];

export function registerKeysCommands(program: Command, cli: CliEnvironment): void {
  const keys = program.command('keys').description('encryption keys: status, rotate, rewrap, retire, shred');

  keys
    .command('status')
    .description('key versions, data keys per version, rewrap progress')
    .action(async () => {
      await withKeys(cli, async (ctx) => {
        const status = await ctx.keys().status();
        cli.print(
          [
            cli.t('cli.keys.status', {
              suite: status.suite,
              current: status.currentVersion,
              dataKeys: status.dataKeys,
              shredded: status.shredded,
              pending: status.pendingRewrap,
            }),
            ...status.versions.map(
              (v) =>
                `  v${v.version}\t${v.dataKeys}\t${v.createdAt}${v.retiredAt ? `\tretired ${v.retiredAt}` : ''}`,
            ),
          ],
          status,
        );
      });
    });

  keys
    .command('rotate')
    .description('create a new key-encryption key version (then run `custos keys rewrap`)')
    .action(async () => {
      await withKeys(cli, async (ctx) => {
        const rotated = await ctx.keys().rotate('cli');
        cli.print(cli.t('cli.keys.rotated', { version: rotated.version }), rotated);
      });
    });

  keys
    .command('rewrap')
    .description('move every data key to the current version (resumable; reads and writes go on)')
    .option('--batch-size <n>', 'data keys per transaction', '1000')
    .action(async (options: { batchSize: string }) => {
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
        throw new UsageError('--batch-size must be an integer between 1 and 100000');
      }
      await withKeys(cli, async (ctx) => {
        const result = await ctx.keys().rewrap({
          batchSize,
          onProgress: (done, remaining) => cli.note(cli.t('cli.keys.rewrap_progress', { done, remaining })),
        });
        cli.print(cli.t('cli.keys.rewrapped', { count: result.rewrapped }), result);
      });
    });

  keys
    .command('retire')
    .description('retire a key version once no data key uses it')
    .argument('<version>')
    .action(async (version: string) => {
      if (!/^\d+$/.test(version)) throw new UsageError('version must be a positive integer');
      await withKeys(cli, async (ctx) => {
        const retired = await ctx.keys().retire(Number(version), 'cli');
        cli.print(cli.t('cli.keys.retired', { version: retired.version }), retired);
      });
    });

  keys
    .command('shred')
    .description(
      'erase a data subject: destroy its data key, delete its records, index entries and quarantined copies, and keep it from being collected again',
    )
    .argument('[subject-id]', 'internal subject id (s_…); or use --identifier')
    .option('--identifier', "read the subject's identifier from stdin (never an argument: shell history)")
    .action(async (given: string | undefined, options: { identifier?: boolean }) => {
      if ((given === undefined) === (options.identifier !== true))
        throw new UsageError('give either a subject id or --identifier (the identifier on stdin)');
      // The identifier is read, hashed and forgotten: never printed, logged or audited.
      const identifier = options.identifier ? (await cli.readLine()).trim() : undefined;
      if (identifier !== undefined && identifier.length === 0) throw new UsageError('no identifier on stdin');
      await withKeys(cli, async (ctx) => {
        // Loaded when the command runs, not with every `custos` start.
        const { eraseSubject, subjectIdOf } = await import('../../governance/index.js');
        const subjectId = identifier === undefined ? given! : subjectIdOf(ctx.keys(), identifier);
        const erased = await eraseSubject(
          { keys: ctx.keys(), records: ctx.store.records, audit: ctx.audit },
          ctx.workspace.datasets.map((d) => d.name),
          subjectId,
          'cli',
        );
        cli.print(
          cli.t('cli.keys.erased', {
            subject: erased.subjectId,
            at: erased.shreddedAt,
            records: erased.records,
            indexEntries: erased.indexEntries,
            quarantined: erased.quarantined,
          }),
          erased,
        );
      });
    });

  keys
    .command('blind-index')
    .description('blind-index value of an identifier read from stdin (never an argument: shell history)')
    .argument('<kind>', KINDS.join(' | '))
    .action(async (kind: string) => {
      if (!KINDS.includes(kind as IdentifierKind))
        throw new UsageError(`kind must be one of ${KINDS.join(', ')}`);
      const value = (await cli.readLine()).trim();
      if (value.length === 0) throw new UsageError('no value on stdin');
      await withKeys(cli, async (ctx) => {
        const index = ctx.keys().blindIndex(kind as IdentifierKind, value);
        cli.print(index, { kind, blindIndex: index });
      });
    });
}

async function withKeys(cli: CliEnvironment, work: (ctx: AppContext) => Promise<void>): Promise<void> {
  const masterSecret =
    cli.io.env.CUSTOS_MASTER_KEY === undefined && cli.io.stdin.isTTY
      ? await cli.promptMasterSecret()
      : undefined;
  await cli.withContext(work, masterSecret === undefined ? {} : { masterSecret });
}
