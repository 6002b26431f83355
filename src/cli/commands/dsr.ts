// `custos dsr create|list|show|verify|start|complete|deny|cancel|export`: data-subject requests
// (PIPL Arts. 44–48) from the command line, acting as the owner of CUSTOS_TOKEN (maker-checker
// compares people). The person's identifier is read from stdin, never taken as an argument (shell
// history); corrected values come from a JSON file for the same reason.

import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SubjectRequest } from '../../governance/index.js';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

// Kept here (not imported from governance) so `custos --help` loads no governance module.
const TYPES = ['access', 'copy', 'correction', 'deletion', 'withdrawal', 'explanation'];
const STATUSES = ['received', 'verified', 'in_progress', 'completed', 'denied', 'cancelled'];
const METHODS = ['id_document', 'in_person', 'account_login', 'other'];

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export function registerDsrCommands(program: Command, cli: CliEnvironment): void {
  const dsr = program
    .command('dsr')
    .description('data-subject requests: access, copy, correction, deletion, withdrawal, explanation');

  const line = (r: SubjectRequest) =>
    cli.t('cli.dsr.line', {
      id: r.id,
      type: r.type,
      status: r.status,
      deadline: r.deadlineAt,
      overdue: r.isOverdue ? cli.t('cli.dsr.overdue') : '',
    });
  const status = (r: SubjectRequest) => cli.t('cli.dsr.status', { id: r.id, type: r.type, status: r.status });

  dsr
    .command('create')
    .description("record a request; the person's identifier is read from stdin")
    .requiredOption('--type <type>', TYPES.join(' | '))
    .option('--channel <name>', 'how it arrived (email, counter, app…)')
    .option('--received-at <iso>', 'when it was received (default now); the deadline counts from it')
    .option(
      '--deadline-days <n>',
      'working days to answer (default from custos.yaml rights.deadlineWorkingDays)',
    )
    .option('--corrections <file>', 'correction: JSON file [{"dataset": "…", "fields": {"name": value}}]')
    .option('--purposes <names>', 'withdrawal: the purposes, comma-separated (default every purpose)')
    .action(
      async (options: {
        type: string;
        channel?: string;
        receivedAt?: string;
        deadlineDays?: string;
        corrections?: string;
        purposes?: string;
      }) => {
        if (!TYPES.includes(options.type)) throw new UsageError(`--type must be one of ${TYPES.join(', ')}`);
        const days = options.deadlineDays === undefined ? undefined : Number(options.deadlineDays);
        if (days !== undefined && (!Number.isInteger(days) || days < 1))
          throw new UsageError('--deadline-days must be a whole number ≥ 1');
        const corrections =
          options.corrections === undefined ? undefined : readCorrections(options.corrections);
        const identifier = (await cli.readLine()).trim();
        if (identifier.length === 0)
          throw new UsageError("no identifier on stdin (the person's ID number, mobile…)");
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const created = await ctx.subjectRequests.create(me, {
            type: options.type as SubjectRequest['type'],
            identifier,
            ...(options.channel ? { channel: options.channel } : {}),
            ...(options.receivedAt ? { receivedAt: options.receivedAt } : {}),
            ...(days === undefined ? {} : { deadlineWorkingDays: days }),
            ...(corrections ? { corrections } : {}),
            ...(options.purposes ? { purposes: list(options.purposes) } : {}),
          });
          cli.print(
            cli.t('cli.dsr.created', { id: created.id, type: created.type, deadline: created.deadlineAt }),
            created,
          );
        });
      },
    );

  dsr
    .command('list')
    .description('list requests, soonest deadline first')
    .option('--status <status>', STATUSES.join(' | '))
    .option('--type <type>', TYPES.join(' | '))
    .option('--overdue', 'only open requests past their deadline')
    .action(async (options: { status?: string; type?: string; overdue?: boolean }) => {
      if (options.status !== undefined && !STATUSES.includes(options.status))
        throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
      if (options.type !== undefined && !TYPES.includes(options.type))
        throw new UsageError(`--type must be one of ${TYPES.join(', ')}`);
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        const { SUBJECT_REQUEST_ROLES } = await import('../../governance/index.js');
        if (!(SUBJECT_REQUEST_ROLES as readonly string[]).includes(me.role) && me.role !== 'auditor')
          throw new UsageError('data-subject requests are shown to compliance officers, admins and auditors');
        const requests = await ctx.subjectRequests.list({
          ...(options.status ? { status: options.status as SubjectRequest['status'] } : {}),
          ...(options.type ? { type: options.type as SubjectRequest['type'] } : {}),
          ...(options.overdue ? { isOverdue: true } : {}),
        });
        cli.print(requests.map(line), { requests });
      });
    });

  dsr
    .command('show')
    .description('one request with its steps')
    .argument('<id>')
    .action(async (id: string) => {
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        const { SUBJECT_REQUEST_ROLES } = await import('../../governance/index.js');
        if (!(SUBJECT_REQUEST_ROLES as readonly string[]).includes(me.role) && me.role !== 'auditor')
          throw new UsageError('data-subject requests are shown to compliance officers, admins and auditors');
        const request = await ctx.subjectRequests.get(id);
        cli.print(
          [
            line(request),
            ...request.steps.map((s) => cli.t('cli.dsr.step', { at: s.at, step: s.step, actor: s.actor })),
          ],
          request,
        );
      });
    });

  dsr
    .command('verify')
    .description("the person's identity was verified (never by whoever recorded the request)")
    .argument('<id>')
    .requiredOption('--method <method>', METHODS.join(' | '))
    .action(async (id: string, options: { method: string }) => {
      if (!METHODS.includes(options.method))
        throw new UsageError(`--method must be one of ${METHODS.join(', ')}`);
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        const request = await ctx.subjectRequests.verify(id, me, options.method as 'id_document');
        cli.print(status(request), request);
      });
    });

  for (const step of ['start', 'complete'] as const) {
    dsr
      .command(step)
      .description(
        step === 'start'
          ? 'start working on a verified request'
          : 'do what the request asks and close it (a deletion: never by whoever recorded it)',
      )
      .argument('<id>')
      .action(async (id: string) => {
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const request = await ctx.subjectRequests[step](id, me);
          cli.print(status(request), request);
        });
      });
  }

  for (const step of ['deny', 'cancel'] as const) {
    dsr
      .command(step)
      .description(step === 'deny' ? 'deny an open request, with a reason' : 'cancel an open request')
      .argument('<id>')
      .requiredOption(
        '--reason <code>',
        step === 'deny'
          ? 'identity_not_verified | manifestly_unfounded | excessive | legal_obligation | other'
          : 'withdrawn_by_subject | duplicate | other',
      )
      .option('--note <text>', 'an explanation for the file (no personal data)')
      .action(async (id: string, options: { reason: string; note?: string }) => {
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const request = await ctx.subjectRequests[step](id, me, options.reason, options.note);
          cli.print(status(request), request);
        });
      });
  }

  dsr
    .command('export')
    .description('write the result of a completed access, copy or explanation request to a file (JSON)')
    .argument('<id>')
    .requiredOption('--out <file>', 'where to write it (created readable by you only)')
    .action(async (id: string, options: { out: string }) => {
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        const doc = await ctx.subjectRequests.document(id, me);
        await writeFile(options.out, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
        cli.print(cli.t('cli.dsr.exported', { id, file: options.out }), { id, file: options.out });
      });
    });
}

function readCorrections(file: string): Array<{ dataset: string; fields: Record<string, unknown> }> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    // The message names the file and the problem, never its content (it holds personal data).
    throw new UsageError(`--corrections ${file}: not a readable JSON file (${(error as Error).name})`);
  }
  if (
    !Array.isArray(value) ||
    !value.every(
      (c) =>
        typeof c === 'object' &&
        c !== null &&
        typeof (c as { dataset?: unknown }).dataset === 'string' &&
        typeof (c as { fields?: unknown }).fields === 'object' &&
        (c as { fields?: unknown }).fields !== null,
    )
  )
    throw new UsageError(`--corrections ${file}: expected [{"dataset": "…", "fields": {"field": value}}]`);
  return value as Array<{ dataset: string; fields: Record<string, unknown> }>;
}
