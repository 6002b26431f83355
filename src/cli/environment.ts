// What every command gets: I/O, global options (workspace, --json, --lang), output helpers, and a way
// to open the application context.

import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { AppContext, OpenContextOptions } from '../context.js';
import { type Locale, type MessageKey, resolveLocale, translate } from '../domain/index.js';
import { UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';

export interface GlobalOptions {
  workspace?: string;
  json?: boolean;
  lang?: string;
}

export class CliEnvironment {
  constructor(
    readonly io: CliIo,
    private readonly program: Command,
  ) {}

  get options(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get isJson(): boolean {
    return this.options.json === true;
  }

  get locale(): Locale {
    return resolveLocale(this.options.lang, this.io.env.CUSTOS_LANG, this.io.env.LC_ALL, this.io.env.LANG);
  }

  get workspaceDir(): string {
    return this.options.workspace ?? this.io.env.CUSTOS_WORKSPACE ?? this.io.cwd;
  }

  t(key: MessageKey, params?: Record<string, string | number>): string {
    return translate(this.locale, key, params);
  }

  /** Prints `human` lines, or `json` as one JSON document with --json. */
  print(human: string | string[], json: unknown): void {
    if (this.isJson) {
      this.io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      const lines = Array.isArray(human) ? human : [human];
      this.io.stdout.write(`${lines.join('\n')}\n`);
    }
  }

  /** Informational output that must not pollute --json stdout. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /**
   * Opens the workspace's context. Logs go to stderr (stdout is for results), quietly unless
   * CUSTOS_LOG_LEVEL says otherwise.
   */
  async openContext(options: OpenContextOptions = {}): Promise<AppContext> {
    // Every layer loads here, when a command needs the workspace, not with every `custos` start.
    const { openContext } = await import('../context.js');
    return openContext(this.workspaceDir, {
      env: this.io.env,
      logLevel: this.io.env.CUSTOS_LOG_LEVEL ?? 'warn',
      logDestination: this.io.stderr,
      ...options,
    });
  }

  /** Runs `work` with an open context and always closes it. */
  async withContext<T>(work: (ctx: AppContext) => Promise<T>, options: OpenContextOptions = {}): Promise<T> {
    const ctx = await this.openContext(options);
    try {
      return await work(ctx);
    } finally {
      await ctx.close();
    }
  }

  /** First line of stdin. */
  async readLine(): Promise<string> {
    return readFirstLine(this.io.stdin);
  }

  /** Prompts for the master secret without echo (only on a terminal, only when not in the environment). */
  async promptMasterSecret(): Promise<string | undefined> {
    if (!this.io.stdin.isTTY) return undefined;
    const secret = await promptHidden(this.io, this.t('cli.keys.master_prompt'));
    return secret.length > 0 ? secret : undefined;
  }

  /**
   * A secret from stdin (`--password-stdin`: first line) or an interactive prompt without echo.
   * Never from a command-line argument, where it would land in shell history and `ps`.
   */
  async readSecret(fromStdin: boolean, confirm: boolean): Promise<string> {
    if (fromStdin) return (await readFirstLine(this.io.stdin)).replace(/\r$/, '');
    if (!this.io.stdin.isTTY) {
      throw new UsageError('no terminal to prompt for the password; pass it on stdin with --password-stdin');
    }
    const first = await promptHidden(this.io, this.t('cli.password.prompt'));
    if (confirm) {
      const second = await promptHidden(this.io, this.t('cli.password.confirm'));
      if (first !== second) throw new UsageError(this.t('cli.password.mismatch'));
    }
    return first;
  }
}

async function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  const reader = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of reader) {
    reader.close();
    return line;
  }
  return '';
}

function promptHidden(io: CliIo, prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const reader = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
    const output = reader as unknown as { _writeToOutput: (s: string) => void };
    io.stderr.write(prompt);
    // Echo nothing while the secret is typed.
    output._writeToOutput = () => undefined;
    reader.question('', (answer) => {
      reader.close();
      io.stderr.write('\n');
      resolve(answer);
    });
  });
}
