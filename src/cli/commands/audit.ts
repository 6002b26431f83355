// `custos audit …`: verification and proofs for auditors. The commands marked standalone need no
// workspace or database: they check proofs handed to them, exit 0 when the proof holds, 1 when it
// does not, 2 on malformed input.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { TreeHead } from '../../audit/index.js';
import type { HashAlgorithm } from '../../crypto/hash.js';
import type { CliEnvironment } from '../environment.js';
import { EXIT_FAILURE, ExitCode, UsageError } from '../exit-codes.js';

// The audit layer loads when an audit command runs, not with every `custos` start.
const auditLayer = () => import('../../audit/index.js');

export function registerAuditCommands(program: Command, cli: CliEnvironment): void {
  const audit = program.command('audit').description('verifiable audit log: verify, tree heads, proofs');

  audit
    .command('verify')
    .description('recompute the whole log from stored entries and check every signed tree head')
    .option('--against <file...>', 'tree heads exported earlier (JSON from `custos audit sth`)')
    .option(
      '--trust <file>',
      "the pinned signing keys to trust (an auditor's own copy of audit-trust.json); default: the workspace's",
    )
    .action(async (options: { against?: string[]; trust?: string }) => {
      const exportedHeads = (options.against ?? []).map(readHeadFile);
      const { AUDIT_TRUST_FILE, readTrustFile, verifyLog } = await auditLayer();
      // Read before the workspace opens: an auditor's file is checked as given.
      const auditorTrust =
        options.trust === undefined ? undefined : readTrustFile(options.trust, options.trust);
      await cli.withContext(async (ctx) => {
        const trust =
          auditorTrust ?? readTrustFile(path.join(ctx.workspace.dir, AUDIT_TRUST_FILE), AUDIT_TRUST_FILE);
        const isTty = !cli.isJson && (cli.io.stderr as { isTTY?: boolean }).isTTY === true;
        const report = await verifyLog(ctx.store, ctx.audit.hashAlgorithm, {
          trust,
          exportedHeads,
          ...(isTty ? { onProgress: (done, total) => cli.io.stderr.write(`\r${done}/${total}`) } : {}),
        });
        if (isTty) cli.io.stderr.write('\n');
        if (report.ok) {
          cli.print(
            cli.t('cli.audit.verify_ok', {
              size: report.treeSize,
              heads: report.headsChecked,
              root: report.rootHash,
            }),
            report,
          );
          return;
        }
        cli.print(
          cli.t('cli.audit.verify_failed', {
            index: report.problem!.index,
            message: report.problem!.message,
          }),
          report,
        );
        throw new ExitCode(EXIT_FAILURE);
      });
    });

  const trustCommand = audit
    .command('trust')
    .description(
      "print the pinned tree-head signing keys (audit-trust.json) and their fingerprints, for an auditor's own copy",
    );
  trustCommand.action(async () => {
    const { AUDIT_TRUST_FILE, keyFingerprint, readTrustFile } = await auditLayer();
    const file = path.join(cli.workspaceDir, AUDIT_TRUST_FILE);
    const trust = readTrustFile(file, AUDIT_TRUST_FILE);
    const rows = trust.keys.map((pin) => ({
      ...pin,
      fingerprint: pin.fingerprint ?? keyFingerprint(pin.algorithm, pin.publicKey!),
    }));
    cli.print(
      rows.map(
        (pin) =>
          `${pin.algorithm} ${pin.fingerprint}${pin.fromSize === undefined ? '' : ` from size ${pin.fromSize + 1}`}${pin.untilSize === undefined ? '' : ` until size ${pin.untilSize}`}`,
      ),
      { version: 1, keys: rows },
    );
  });

  audit
    .command('rotate-key')
    .description(
      'replace the tree-head signing key: the new key is announced in an entry signed by the current one and pinned in audit-trust.json',
    )
    .action(async () => {
      const { rotateSigningKey } = await auditLayer();
      await cli.withContext(async (ctx) => {
        const result = await rotateSigningKey(ctx.workspace.dir, ctx.audit, 'cli');
        cli.print(
          cli.t('cli.audit.key_rotated', {
            previous: result.previousKeyId,
            key: result.keyId,
            size: result.announcedIn.treeSize,
          }),
          result,
        );
      });
    });

  audit
    .command('sth')
    .description('print the latest signed tree head (JSON, or --format checkpoint for witnesses)')
    .option('--format <format>', 'json | checkpoint', 'json')
    .action(async (options: { format: string }) => {
      if (!['json', 'checkpoint'].includes(options.format))
        throw new UsageError('--format must be json or checkpoint');
      const { toCheckpointNote } = await auditLayer();
      await cli.withContext(async (ctx) => {
        const head = await ctx.audit.latestHead();
        if (!head) {
          cli.print(cli.t('cli.audit.empty'), { treeHead: null });
          return;
        }
        if (options.format === 'checkpoint' && !cli.isJson) cli.io.stdout.write(toCheckpointNote(head));
        else cli.io.stdout.write(`${JSON.stringify(head, null, 2)}\n`);
        // The export is what the tree-head-witnessed control looks for: size and root, never a key.
        await ctx.audit.record([
          {
            actor: 'cli',
            action: 'audit.head_export',
            target: `tree_head:${head.treeSize}`,
            details: { treeSize: head.treeSize, rootHash: head.rootHash, format: options.format },
          },
        ]);
      });
    });

  audit
    .command('proof')
    .description('inclusion proof for entry I in the tree of size N (default: current size)')
    .requiredOption('--index <i>', 'entry index (0-based)')
    .option('--size <n>', 'tree size')
    .action(async (options: { index: string; size?: string }) => {
      const index = parseCount(options.index, '--index');
      const size = options.size === undefined ? undefined : parseCount(options.size, '--size');
      await cli.withContext(async (ctx) => {
        const proof = await ctx.audit.inclusionProof(index, size);
        cli.print(
          [
            `index ${proof.index} size ${proof.treeSize}`,
            `leaf ${proof.leafHash}`,
            `root ${proof.rootHash}`,
            `proof ${proof.proof.join(',')}`,
          ],
          proof,
        );
      });
    });

  audit
    .command('consistency')
    .description('consistency proof between tree sizes M and N')
    .requiredOption('--from <m>', 'older size')
    .option('--to <n>', 'newer size (default: current size)')
    .action(async (options: { from: string; to?: string }) => {
      const from = parseCount(options.from, '--from');
      const to = options.to === undefined ? undefined : parseCount(options.to, '--to');
      await cli.withContext(async (ctx) => {
        const proof = await ctx.audit.consistencyProof(from, to);
        cli.print(
          [
            `from ${proof.fromSize} root ${proof.fromRoot}`,
            `to ${proof.toSize} root ${proof.toRoot}`,
            `proof ${proof.proof.join(',')}`,
          ],
          proof,
        );
      });
    });

  audit
    .command('merkle-root')
    .description('standalone: RFC 6962 root of the given leaf inputs (hex), in order')
    .requiredOption('--leaf-hex <hex...>', 'leaf input bytes as hex (before the 0x00 leaf prefix)')
    .option('--hash <hash>', 'sha256 | sm3', 'sha256')
    .action(async (options: { leafHex: string[]; hash: string }) => {
      const algorithm = parseHash(options.hash);
      const { leafHash, rootFromLeafHashes } = await auditLayer();
      const leaves = options.leafHex.map((hex, i) =>
        leafHash(algorithm, parseHex(hex, `--leaf-hex #${i + 1}`, true)),
      );
      const root = rootFromLeafHashes(algorithm, leaves).toString('hex');
      cli.print(root, { size: leaves.length, rootHash: root, hash: algorithm });
    });

  audit
    .command('verify-inclusion')
    .description('standalone: check an inclusion proof; exit 0 holds, 1 does not, 2 malformed')
    .requiredOption('--index <i>', 'leaf index')
    .requiredOption('--size <n>', 'tree size')
    .requiredOption('--leaf-hex <hex>', 'leaf input bytes (hex)')
    .requiredOption('--root <hex>', 'expected root hash')
    .option('--proof <hex,...>', 'proof hashes, comma-separated (empty for a one-entry tree)', '')
    .option('--hash <hash>', 'sha256 | sm3', 'sha256')
    .action(
      async (options: {
        index: string;
        size: string;
        leafHex: string;
        root: string;
        proof: string;
        hash: string;
      }) => {
        const algorithm = parseHash(options.hash);
        const { leafHash, verifyInclusion } = await auditLayer();
        const index = parseCount(options.index, '--index');
        const size = parseCount(options.size, '--size');
        const leaf = leafHash(algorithm, parseHex(options.leafHex, '--leaf-hex', true));
        const root = parseHash32(options.root, '--root', algorithm);
        const proof = parseProof(options.proof, algorithm);
        reportProof(cli, verifyInclusion(algorithm, index, size, leaf, proof, root), { index, size });
      },
    );

  audit
    .command('verify-consistency')
    .description('standalone: check a consistency proof; exit 0 holds, 1 does not, 2 malformed')
    .requiredOption('--size1 <m>', 'older size')
    .requiredOption('--size2 <n>', 'newer size')
    .requiredOption('--root1 <hex>', 'root at the older size')
    .requiredOption('--root2 <hex>', 'root at the newer size')
    .option('--proof <hex,...>', 'proof hashes, comma-separated', '')
    .option('--hash <hash>', 'sha256 | sm3', 'sha256')
    .action(
      async (options: {
        size1: string;
        size2: string;
        root1: string;
        root2: string;
        proof: string;
        hash: string;
      }) => {
        const algorithm = parseHash(options.hash);
        const { verifyConsistency } = await auditLayer();
        const size1 = parseCount(options.size1, '--size1');
        const size2 = parseCount(options.size2, '--size2');
        const root1 = parseHash32(options.root1, '--root1', algorithm);
        const root2 = parseHash32(options.root2, '--root2', algorithm);
        const proof = parseProof(options.proof, algorithm);
        reportProof(cli, verifyConsistency(algorithm, size1, size2, root1, root2, proof), { size1, size2 });
      },
    );
}

function reportProof(cli: CliEnvironment, holds: boolean, facts: Record<string, number>): void {
  cli.print(cli.t(holds ? 'cli.audit.proof_ok' : 'cli.audit.proof_failed'), { ...facts, valid: holds });
  if (!holds) throw new ExitCode(EXIT_FAILURE);
}

function parseHash(value: string): HashAlgorithm {
  if (value === 'sha256' || value === 'sm3') return value;
  throw new UsageError(`--hash must be sha256 or sm3, not "${value}"`);
}

function parseCount(value: string, option: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`${option} must be a non-negative integer`);
  return Number(value);
}

function parseHex(value: string, option: string, allowEmpty = false): Buffer {
  const clean = value.trim();
  if ((!allowEmpty && clean.length === 0) || clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new UsageError(`${option} must be hexadecimal bytes`);
  }
  return Buffer.from(clean, 'hex');
}

function parseHash32(value: string, option: string, _algorithm: HashAlgorithm): Buffer {
  const bytes = parseHex(value, option);
  if (bytes.length !== 32) throw new UsageError(`${option} must be a 32-byte hash (64 hex digits)`);
  return bytes;
}

function parseProof(value: string, algorithm: HashAlgorithm): Buffer[] {
  if (value.trim() === '') return [];
  return value.split(',').map((part, i) => parseHash32(part, `--proof #${i + 1}`, algorithm));
}

function readHeadFile(file: string): TreeHead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UsageError(`${file}: not a readable JSON tree head`);
  }
  const head = parsed as Partial<TreeHead>;
  for (const field of [
    'origin',
    'treeSize',
    'rootHash',
    'timestamp',
    'keyId',
    'signature',
    'publicKey',
  ] as const) {
    if (head[field] === undefined) throw new UsageError(`${file}: tree head lacks "${field}"`);
  }
  return head as TreeHead;
}
