// Dependency vulnerabilities of the installed tree: `npm audit --json` in the installation's
// package root, summarised per vulnerable package with its advisories. When the registry does not
// answer, the audit times out or there is no lockfile, the result says it could not check — a
// scan never reports a pass it did not earn.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Severity } from '../monitoring/index.js';
import { couldNotCheck, finding, type ScanPart } from './scan-result.js';

/** Where Custos is installed: the folder of its package.json (from src/ and dist/ alike). */
export const PACKAGE_ROOT = path.resolve(import.meta.dirname, '../../..');

export interface DependencyAuditOptions {
  /** Folder with package.json and package-lock.json (default: Custos's own installation). */
  root?: string;
  /** The npm executable (default `npm`). */
  command?: string;
  /** Extra arguments, e.g. `--registry http://…` (npm also reads `npm_config_registry`). */
  args?: readonly string[];
  timeoutMs: number;
  /** Environment whose npm settings (`npm_config_*`, proxies) the npm process gets. */
  env?: NodeJS.ProcessEnv;
  /** Include development dependencies (default: only what runs in production). */
  includeDev?: boolean;
}

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];

const SEVERITY: Record<string, Severity> = {
  info: 'low',
  low: 'low',
  moderate: 'medium',
  high: 'high',
  critical: 'critical',
};

interface NpmAdvisory {
  source?: number;
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
  range?: string;
}

interface NpmVulnerability {
  name: string;
  severity: string;
  isDirect?: boolean;
  via: Array<string | NpmAdvisory>;
  effects?: string[];
  fixAvailable?: boolean | { name: string; version: string };
}

interface NpmAuditReport {
  auditReportVersion?: number;
  vulnerabilities?: Record<string, NpmVulnerability>;
  metadata?: { dependencies?: { total?: number; prod?: number } };
  message?: string;
  error?: { code?: string; summary?: string; detail?: string };
}

export async function auditDependencies(options: DependencyAuditOptions): Promise<ScanPart> {
  const root = options.root ?? PACKAGE_ROOT;
  if (!LOCKFILES.some((file) => existsSync(path.join(root, file)))) {
    return {
      findings: [],
      couldNotCheck: [couldNotCheck('dependency', 'npm-audit', 'scan.could_not.no_lockfile', root)],
    };
  }
  const args = ['audit', '--json', ...(options.includeDev ? [] : ['--omit=dev']), ...(options.args ?? [])];
  const outcome = await run(options.command ?? 'npm', args, root, options.timeoutMs, options.env);
  if (outcome.kind === 'timeout') {
    return {
      findings: [],
      couldNotCheck: [
        couldNotCheck('dependency', 'npm-audit', 'scan.could_not.timeout', undefined, {
          seconds: Math.round(options.timeoutMs / 1000),
        }),
      ],
    };
  }
  if (outcome.kind === 'spawn') {
    return {
      findings: [],
      couldNotCheck: [couldNotCheck('dependency', 'npm-audit', 'scan.could_not.no_npm', outcome.detail)],
    };
  }
  return parseNpmAudit(outcome.stdout);
}

/** Reads `npm audit --json` output (report version 2); a report without results is a gap. */
export function parseNpmAudit(stdout: string): ScanPart {
  let report: NpmAuditReport;
  try {
    report = JSON.parse(stdout) as NpmAuditReport;
  } catch (error) {
    // npm printed something that is not its JSON report (an old npm, a crash): say so.
    return {
      findings: [],
      couldNotCheck: [
        couldNotCheck('dependency', 'npm-audit', 'scan.could_not.unreadable', (error as Error).message),
      ],
    };
  }
  if (report.vulnerabilities === undefined || typeof report.vulnerabilities !== 'object') {
    const detail = [report.error?.code, report.message ?? report.error?.summary].filter(Boolean).join(' ');
    return {
      findings: [],
      couldNotCheck: [
        couldNotCheck('dependency', 'npm-audit', 'scan.could_not.registry', detail || 'no report'),
      ],
    };
  }
  const findings = Object.values(report.vulnerabilities).flatMap((vulnerability) => {
    // A package with advisories of its own; packages only pulled in through one are its `effects`.
    const advisories = vulnerability.via.filter((v): v is NpmAdvisory => typeof v === 'object');
    if (advisories.length === 0) return [];
    const fix = vulnerability.fixAvailable;
    return [
      finding(
        'dependency',
        'dependency-vulnerability',
        SEVERITY[vulnerability.severity] ?? 'high',
        {
          package: vulnerability.name,
          advisories: advisories
            .map((a) => [a.title, a.url].filter(Boolean).join(' '))
            .join('; ')
            .slice(0, 1000),
          range: advisories.map((a) => a.range ?? '').join(', '),
          affects: (vulnerability.effects ?? []).length,
          isDirect: vulnerability.isDirect === true,
          fixAvailable:
            typeof fix === 'object' ? `${fix.name}@${fix.version}` : fix === true ? 'npm audit fix' : 'none',
        },
        vulnerability.name,
      ),
    ];
  });
  return { findings, couldNotCheck: [] };
}

type Outcome = { kind: 'done'; stdout: string } | { kind: 'timeout' } | { kind: 'spawn'; detail: string };

function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv | undefined,
): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: npmEnvironment(env), windowsHide: true },
      (error, stdout) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          resolve({ kind: 'spawn', detail: `${command}: not found` });
        } else if (error?.killed) {
          resolve({ kind: 'timeout' });
        } else {
          // npm audit exits 1 when it found vulnerabilities or failed: its JSON says which.
          resolve({ kind: 'done', stdout: String(stdout) });
        }
      },
    );
  });
}

/**
 * The npm process's environment: this process's, without Custos's own secrets (CUSTOS_*), plus
 * the npm settings and proxies of the workspace's environment (which tests point at a local registry).
 */
export function npmEnvironment(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.toUpperCase().startsWith('CUSTOS_')) out[key] = value;
  for (const [key, value] of Object.entries(env ?? {}))
    if (/^(npm_config_|https?_proxy$|no_proxy$)/i.test(key)) out[key] = value;
  return out;
}
