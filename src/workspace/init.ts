// `custos init DIR`: writes a new, valid workspace with commented examples. Never overwrites. The
// files are in the repository's formatter style (Biome), so a workspace kept in a repo passes lint.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConflictError } from '../domain/index.js';
import { WORKSPACE_FILE } from './workspace.js';

export interface InitOptions {
  organisation: string;
  suite?: 'sm' | 'aes';
}

export function initWorkspace(dir: string, options: InitOptions): { dir: string; files: string[] } {
  const absoluteDir = path.resolve(dir);
  if (existsSync(path.join(absoluteDir, WORKSPACE_FILE))) {
    throw new ConflictError(`a workspace already exists in ${absoluteDir}`, { file: WORKSPACE_FILE });
  }
  if (existsSync(absoluteDir) && readdirSync(absoluteDir).length > 0) {
    throw new ConflictError(`folder is not empty: ${absoluteDir}`, { dir: absoluteDir });
  }
  mkdirSync(absoluteDir, { recursive: true });
  const files = templateFiles(options);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(absoluteDir, name), content, { flag: 'wx' });
  }
  writeFileSync(path.join(absoluteDir, '.gitignore'), 'data/\nkeys/\n', { flag: 'wx' });
  return { dir: absoluteDir, files: [...Object.keys(files), '.gitignore'] };
}

function templateFiles(options: InitOptions): Record<string, string> {
  const organisation = quotedScalar(options.organisation);
  return {
    [WORKSPACE_FILE]: `# Custos workspace. Reference: docs/configuration.md
version: 1
organisation:
  name: ${organisation}
  # contact: dpo@example.com
# SQLite file under this folder by default; or postgres://user@host:5432/db (CUSTOS_DATABASE_URL overrides).
storage: sqlite:./data/custos.db
locale: zh-CN
crypto:
  suite: ${options.suite ?? 'sm'} # sm = SM4/SM3/SM2, aes = AES-256-GCM/SHA-256/Ed25519
  keyFile: keys/keyring.json
  # The master secret comes from the environment variable CUSTOS_MASTER_KEY (16 characters or more);
  # keep it safe: what is encrypted under it cannot be read without it.
server:
  host: 127.0.0.1
  port: 8750
# Sign-in, passwords, TLS: docs/security.md. By default admins and compliance officers sign in
# with a TOTP second factor; security.signIn.secondFactorRoles changes the list.
`,
    'vendors.yaml': `# Third parties data is collected from, with their security assessment.
vendors: []
#  - name: partner-credit
#    legalName: 示例征信服务有限公司
#    assessment: { date: 2026-01-15, validUntil: 2027-01-14, result: approved }
`,
    'sources.yaml': `# Where data comes from: api | database | file | crawler. Secrets by reference: env:NAME or file:PATH.
sources: []
`,
    'purposes.yaml': `# Purposes of processing (PIPL Art. 6: specific and reasonable).
purposes: []
#  - name: credit_assessment
#    title: 信用评估
`,
    'datasets.yaml': `# What is collected, from which source, for which purposes and on which lawful basis (PIPL Art. 13).
datasets: []
`,
    'roles.yaml': `# Workspace roles built on the five built-in roles.
roles: []
`,
    'policies.yaml': `# Who may use which dataset for which purpose, and how much is shown in clear.
policies: []
`,
  };
}

/**
 * A YAML quoted scalar in the formatter's choice of quotes (Biome, like Prettier, takes the quote
 * that needs fewer escapes, double on a tie). Single quotes cannot hold escapes (control
 * characters, backslashes), so those stay in JSON's double-quoted form, which YAML reads the same.
 */
function quotedScalar(value: string): string {
  const doubles = value.split('"').length - 1;
  const singles = value.split("'").length - 1;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
  const needsEscapes = /[\\\u0000-\u001f\u007f]/.test(value);
  if (!needsEscapes && singles < doubles) return `'${value.replaceAll("'", "''")}'`;
  return JSON.stringify(value);
}
