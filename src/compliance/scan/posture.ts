// Configuration posture of the workspace: the demo master secret outside the demo, private networks
// open to sources, tokens without a bounded expiry, key files readable by group or others, TLS off
// on a reachable address, too many admins, stale accounts. Where a compliance check already reads
// the same evidence (src/compliance/checks), its result is reused rather than computed again.

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { NEXT_SIGNING_KEY_FILE, SIGNING_KEY_FILE } from '../../audit/index.js';
import { isLoopback } from '../../domain/index.js';
import type { CheckContext } from '../checks/index.js';
import { CHECKS } from '../checks/index.js';
import { couldNotCheck, finding, type ScanFinding, type ScanPart } from './scan-result.js';

/** The master secret the demo workspace publishes (examples/demo/custos.yaml): it protects nothing. */
export const DEMO_MASTER_SECRET = 'custos-demo-master-secret-NOT-FOR-PRODUCTION';

export async function checkPosture(ctx: CheckContext, env: NodeJS.ProcessEnv): Promise<ScanPart> {
  const { config } = ctx.workspace;
  const isDemo = config.demo !== undefined;
  const findings: ScanFinding[] = [];
  const part: ScanPart = { findings, couldNotCheck: [] };

  // Demo secret: carried in custos.yaml, or the published one set as CUSTOS_MASTER_KEY.
  const carried = config.crypto.demoMasterKey !== undefined;
  const published = env.CUSTOS_MASTER_KEY === DEMO_MASTER_SECRET;
  if (carried || published) {
    findings.push(
      finding('posture', 'demo-master-secret', isDemo ? 'low' : 'critical', {
        inCustosYaml: carried,
        inEnvironment: published,
        demo: isDemo,
      }),
    );
  }

  // Private networks and egress allowlists (the GB/T 22239 egress control's own evidence).
  const egress = await CHECKS['egress-restricted']!(ctx);
  if (egress.evidence.allowPrivateNetworks === true) {
    findings.push(finding('posture', 'private-networks', isDemo ? 'low' : 'high', { demo: isDemo }));
  }
  const open = (egress.evidence.sourcesWithoutAllowlist as string[] | undefined) ?? [];
  if (open.length > 0) {
    findings.push(
      finding('posture', 'egress-allowlist-missing', 'medium', {
        sources: open.join(', '),
        count: open.length,
      }),
    );
  }

  // Tokens valid for longer than a year count as tokens without an expiry.
  const tokens = await CHECKS['tokens-bounded']!(ctx);
  if (tokens.status === 'fail') {
    findings.push(
      finding('posture', 'tokens-without-expiry', 'medium', {
        count: Number(tokens.evidence.count),
        tokenIds: (tokens.evidence.tokenIds as string[]).slice(0, 20).join(', '),
      }),
    );
  }

  keyFiles(ctx, part);

  // TLS: `custos serve` refuses a reachable address in clear unless a proxy terminates TLS.
  const server = config.server;
  if (!isLoopback(server.host) && !server.tls) {
    if (!server.behindTlsProxy) {
      findings.push(finding('posture', 'tls-off-public', 'high', { host: server.host }));
    } else if (!server.secureCookies) {
      findings.push(finding('posture', 'cookies-not-secure', 'medium', { host: server.host }));
    }
  }

  const admins = await ctx.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('is_disabled', '=', 0)
    .executeTakeFirstOrThrow();
  const maxAdmins = config.security.scan.maxAdmins;
  if (Number(admins.n) > maxAdmins) {
    findings.push(finding('posture', 'too-many-admins', 'medium', { admins: Number(admins.n), maxAdmins }));
  }

  // Stale accounts: the identification control's evidence (compliance.inactiveAccountDays).
  const inactive = await CHECKS['inactive-accounts']!(ctx);
  if (inactive.status === 'fail') {
    const accounts = inactive.evidence.accounts as Array<{ userId: string }>;
    findings.push(
      finding('posture', 'stale-accounts', 'medium', {
        count: Number(inactive.evidence.count),
        days: Number(inactive.evidence.inactiveAfterDays),
        userIds: accounts
          .slice(0, 20)
          .map((a) => a.userId)
          .join(', '),
      }),
    );
  }
  return part;
}

/** Key material readable by group or others: the keyring, the log's signing keys, the TLS key. */
function keyFiles(ctx: CheckContext, part: ScanPart): void {
  const { dir, config } = ctx.workspace;
  if (process.platform === 'win32') {
    part.couldNotCheck.push(couldNotCheck('posture', 'key-files', 'scan.could_not.file_modes'));
    return;
  }
  const files = new Set<string>([config.crypto.keyFile, SIGNING_KEY_FILE, NEXT_SIGNING_KEY_FILE]);
  if (config.server.tls) files.add(config.server.tls.key);
  // Every file in the key folders (a rotated or copied key lands next to the others).
  for (const folder of new Set([path.dirname(config.crypto.keyFile), path.dirname(SIGNING_KEY_FILE)])) {
    try {
      for (const name of readdirSync(path.resolve(dir, folder))) files.add(path.join(folder, name));
    } catch (error) {
      // No key folder yet (nothing encrypted or signed so far): nothing in it to be exposed.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  for (const file of [...files].sort()) {
    let mode: number;
    try {
      const stat = statSync(path.resolve(dir, file));
      if (!stat.isFile()) continue;
      mode = stat.mode & 0o777;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if ((mode & 0o077) !== 0) {
      part.findings.push(
        finding('posture', 'key-file-readable', 'high', { file, mode: `0${mode.toString(8)}` }, file),
      );
    }
  }
}
