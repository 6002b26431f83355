// `custos compliance …`: audits and their reports, the controls catalogue, impact assessments,
// the incident register, vendor reviews, attestations, the record of processing activities and
// regulator packages (docs/compliance.md). An audit exits 0 even when controls fail; 1 only when
// the audit itself could not run.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { AppContext } from '../../context.js';
import { actorOf, type Principal } from '../../domain/index.js';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

// The compliance layer loads when a compliance command runs, not with every `custos` start.
const complianceLayer = () => import('../../compliance/index.js');

/** The acting compliance officer (CUSTOS_TOKEN): every change here is a personal, audited act. */
async function officer(ctx: AppContext, env: NodeJS.ProcessEnv): Promise<Principal> {
  const me = await actingUser(ctx, env);
  if (me.role !== 'compliance_officer')
    throw new UsageError(`only compliance officers change compliance records (you are ${me.role})`);
  return me;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerComplianceCommands(program: Command, cli: CliEnvironment): void {
  const compliance = program
    .command('compliance')
    .description('compliance audits, reports, controls, impact assessments, incidents, vendors');

  compliance
    .command('audit')
    .description('evaluate every control now; exit 0 even when controls fail')
    .action(async () => {
      const { summaryOf } = await complianceLayer();
      await cli.withContext(async (ctx) => {
        const actor = cli.io.env.CUSTOS_TOKEN ? actorOf(await actingUser(ctx, cli.io.env)) : 'cli';
        const audit = await ctx.compliance.runAudit(actor, 'manual');
        const counts = { pass: 0, fail: 0, warn: 0, manual: 0, not_applicable: 0 };
        for (const c of audit.report.controls) counts[c.status] += 1;
        const failing = audit.report.controls
          .filter((c) => c.status === 'fail' || c.status === 'warn')
          .map((c) => `  ${c.status.padEnd(4)} ${c.id}  ${c.title[cli.locale]}`);
        cli.print(
          [
            cli.t('cli.compliance.audit_done', {
              id: audit.id,
              score: audit.score,
              fail: counts.fail,
              warn: counts.warn,
              manual: counts.manual,
              na: counts.not_applicable,
              pass: counts.pass,
            }),
            ...failing,
            cli.t('cli.compliance.audit_hash', {
              algorithm: audit.hashAlgorithm.toUpperCase(),
              hash: audit.reportHash,
              index: audit.auditIndex ?? '—',
            }),
          ],
          summaryOf(audit, cli.locale),
        );
      });
    });

  compliance
    .command('report')
    .description('the report of an audit (default: the latest) as html, json or pdf')
    .option('--id <id>', 'audit id (default: the latest)')
    .option('--format <format>', 'html | json | pdf', 'html')
    .option('--out <file>', 'write to this file (required for pdf)')
    .option('--list', 'list the stored audits instead')
    .action(async (options: { id?: string; format: string; out?: string; list?: boolean }) => {
      if (!['html', 'json', 'pdf'].includes(options.format))
        throw new UsageError('--format must be html, json or pdf');
      if (options.format === 'pdf' && !options.out) throw new UsageError('--format pdf needs --out FILE');
      await cli.withContext(async (ctx) => {
        if (options.list) {
          const audits = await ctx.compliance.listAudits();
          cli.print(
            audits.map((a) => `${a.id}\t${a.at}\t${a.score}\t${a.trigger}\t${a.actor}`),
            { audits },
          );
          return;
        }
        let body: string | Buffer;
        if (options.format === 'json') body = (await ctx.compliance.getAudit(options.id)).reportText;
        else if (options.format === 'html') body = await ctx.compliance.reportHtml(cli.locale, options.id);
        else body = await ctx.compliance.reportPdf(cli.locale, options.id);
        if (options.out) {
          writeFileSync(options.out, body);
          cli.print(cli.t('cli.compliance.report_written', { file: options.out }), {
            file: path.resolve(options.out),
          });
        } else cli.io.stdout.write(typeof body === 'string' ? `${body}\n` : body);
      });
    });

  compliance
    .command('controls')
    .description('the controls catalogue with each control’s result in the latest audit')
    .option('--framework <framework>', 'PIPL | DSL | JRT0171 | JRT0197 | GBT22239')
    .option('--status <status>', 'pass | fail | warn | manual | not_applicable')
    .action(async (options: { framework?: string; status?: string }) => {
      await cli.withContext(async (ctx) => {
        const controls = (await ctx.compliance.controls()).filter(
          (c) =>
            (options.framework === undefined || c.framework === options.framework) &&
            (options.status === undefined || c.latest?.status === options.status),
        );
        cli.print(
          controls.map(
            (c) => `${c.id}\t${c.kind}\t${c.severity}\t${c.latest?.status ?? '—'}\t${c.title[cli.locale]}`,
          ),
          { controls },
        );
      });
    });

  const pia = compliance
    .command('pia')
    .description('personal-information protection impact assessments (PIPL Art. 55–56)');
  pia
    .command('triggers')
    .description('datasets whose declarations require an impact assessment, and why')
    .action(async () => {
      await cli.withContext(async (ctx) => {
        const triggers = await ctx.compliance.piaTriggers();
        cli.print(
          triggers.map((t) => `${t.dataset}\t${t.triggers.join(',')}`),
          { triggers },
        );
      });
    });
  pia
    .command('list')
    .description('impact assessments, newest first')
    .action(async () => {
      await cli.withContext(async (ctx) => {
        const assessments = await ctx.compliance.assessments.list();
        cli.print(
          assessments.map((a) => `${a.id}\t${a.kind}\t${a.status}\t${a.datasets.join(',')}\t${a.title}`),
          { assessments },
        );
      });
    });
  pia
    .command('create')
    .description('draft an assessment (compliance officers; CUSTOS_TOKEN)')
    .requiredOption('--title <title>')
    .requiredOption('--datasets <a,b>', 'datasets it covers')
    .requiredOption('--scope <text>')
    .option('--risk <text>', 'a risk (repeatable)', collect)
    .option('--measure <text>', 'a measure (repeatable)', collect)
    .option('--kind <kind>', 'pia | risk (DSL Art. 30)', 'pia')
    .action(
      async (options: {
        title: string;
        datasets: string;
        scope: string;
        risk?: string[];
        measure?: string[];
        kind: string;
      }) => {
        if (options.kind !== 'pia' && options.kind !== 'risk')
          throw new UsageError('--kind must be pia or risk');
        await cli.withContext(async (ctx) => {
          const me = await officer(ctx, cli.io.env);
          const created = await ctx.compliance.createAssessment(
            {
              kind: options.kind as 'pia' | 'risk',
              title: options.title,
              datasets: list(options.datasets),
              scope: options.scope,
              risks: options.risk ?? [],
              measures: options.measure ?? [],
            },
            actorOf(me),
          );
          cli.print(
            cli.t('cli.compliance.pia_created', {
              id: created.id,
              triggers: created.triggers.join(', ') || '—',
            }),
            { assessment: created },
          );
        });
      },
    );
  for (const decision of ['approve', 'reject'] as const) {
    pia
      .command(decision)
      .description(`${decision} a draft (another compliance officer than its author)`)
      .argument('<id>')
      .action(async (id: string) => {
        await cli.withContext(async (ctx) => {
          const me = await officer(ctx, cli.io.env);
          const decided = await ctx.compliance.assessments.decide(
            id,
            decision === 'approve' ? 'approved' : 'rejected',
            actorOf(me),
          );
          cli.print(cli.t('cli.compliance.pia_decided', { id, status: decided.status }), {
            assessment: decided,
          });
        });
      });
  }

  pia
    .command('revise')
    .description('revise a draft (a decided assessment is never overwritten)')
    .argument('<id>')
    .requiredOption('--title <title>')
    .requiredOption('--datasets <a,b>', 'datasets it covers')
    .requiredOption('--scope <text>')
    .option('--risk <text>', 'a risk (repeatable)', collect)
    .option('--measure <text>', 'a measure (repeatable)', collect)
    .action(
      async (
        id: string,
        options: { title: string; datasets: string; scope: string; risk?: string[]; measure?: string[] },
      ) => {
        await cli.withContext(async (ctx) => {
          const me = await officer(ctx, cli.io.env);
          const revised = await ctx.compliance.reviseAssessment(
            id,
            {
              title: options.title,
              datasets: list(options.datasets),
              scope: options.scope,
              risks: options.risk ?? [],
              measures: options.measure ?? [],
            },
            actorOf(me),
          );
          cli.print(cli.t('cli.compliance.pia_revised', { id }), { assessment: revised });
        });
      },
    );
  pia
    .command('delete')
    .description('delete a draft, or a decided assessment after its three years (PIPL Art. 56)')
    .argument('<id>')
    .action(async (id: string) => {
      await cli.withContext(async (ctx) => {
        const me = await officer(ctx, cli.io.env);
        await ctx.compliance.assessments.delete(id, actorOf(me));
        cli.print(cli.t('cli.compliance.pia_deleted', { id }), { id, deleted: true });
      });
    });

  const incident = compliance.command('incident').description('the incident register (PIPL Art. 57)');
  incident.command('list').action(async () => {
    await cli.withContext(async (ctx) => {
      const incidents = await ctx.compliance.incidents.list();
      cli.print(
        incidents.map(
          (i) => `${i.id}\t${i.status}\t${i.severity}\t${i.detectedAt}\t${i.subjectsAffected}\t${i.title}`,
        ),
        { incidents },
      );
    });
  });
  incident
    .command('register')
    .description('register an incident (compliance officers; CUSTOS_TOKEN)')
    .requiredOption('--title <title>')
    .requiredOption('--description <text>')
    .requiredOption('--occurred <time>', 'ISO 8601')
    .option('--detected <time>', 'ISO 8601 (default: now)')
    .requiredOption('--subjects <n>', 'number of subjects affected')
    .option('--datasets <a,b>', 'datasets concerned', '')
    .option('--severity <severity>', 'low | medium | high | critical', 'high')
    .requiredOption('--measures <text>', 'measures taken so far')
    .action(
      async (options: {
        title: string;
        description: string;
        occurred: string;
        detected?: string;
        subjects: string;
        datasets: string;
        severity: string;
        measures: string;
      }) => {
        if (!/^\d{1,9}$/.test(options.subjects))
          throw new UsageError('--subjects must be a non-negative integer');
        if (!['low', 'medium', 'high', 'critical'].includes(options.severity))
          throw new UsageError('--severity must be low, medium, high or critical');
        await cli.withContext(async (ctx) => {
          const me = await officer(ctx, cli.io.env);
          const created = await ctx.compliance.incidents.register(
            {
              title: options.title,
              description: options.description,
              occurredAt: options.occurred,
              detectedAt: options.detected ?? new Date().toISOString(),
              subjectsAffected: Number(options.subjects),
              datasets: list(options.datasets),
              severity: options.severity as 'low' | 'medium' | 'high' | 'critical',
              measures: options.measures,
            },
            actorOf(me),
          );
          cli.print(cli.t('cli.compliance.incident_registered', { id: created.id }), { incident: created });
        });
      },
    );
  incident
    .command('notify')
    .description('record that the regulator or the subjects were notified')
    .argument('<id>')
    .requiredOption('--who <who>', 'regulator | subjects')
    .option('--at <time>', 'ISO 8601 (default: now)')
    .action(async (id: string, options: { who: string; at?: string }) => {
      if (options.who !== 'regulator' && options.who !== 'subjects')
        throw new UsageError('--who must be regulator or subjects');
      await cli.withContext(async (ctx) => {
        const me = await officer(ctx, cli.io.env);
        const updated = await ctx.compliance.incidents.update(
          id,
          {
            kind: 'notified',
            who: options.who as 'regulator' | 'subjects',
            at: options.at ?? new Date().toISOString(),
          },
          actorOf(me),
        );
        cli.print(cli.t('cli.compliance.incident_updated', { id, status: `notified ${options.who}` }), {
          incident: updated,
        });
      });
    });
  incident
    .command('close')
    .argument('<id>')
    .requiredOption('--measures <text>', 'measures taken')
    .action(async (id: string, options: { measures: string }) => {
      await cli.withContext(async (ctx) => {
        const me = await officer(ctx, cli.io.env);
        const updated = await ctx.compliance.incidents.update(
          id,
          { kind: 'close', measures: options.measures },
          actorOf(me),
        );
        cli.print(cli.t('cli.compliance.incident_updated', { id, status: updated.status }), {
          incident: updated,
        });
      });
    });
  incident
    .command('draft')
    .description('a notification draft in Art. 57’s terms (in --lang)')
    .argument('<id>')
    .action(async (id: string) => {
      await cli.withContext(async (ctx) => {
        const draft = await ctx.compliance.incidents.draft(id, cli.locale);
        cli.print(draft, { id, locale: cli.locale, draft });
      });
    });

  const vendor = compliance.command('vendor').description('third-party review (第三方审查) of vendors');
  vendor
    .command('list')
    .description('each vendor’s standing: latest review or declared assessment, validity, refusal')
    .action(async () => {
      await cli.withContext(async (ctx) => {
        const standings = await ctx.compliance.vendors.standings();
        cli.print(
          standings.map(
            (s) =>
              `${s.vendor}\t${s.source}\t${s.result ?? '—'}\t${s.validUntil ?? '—'}\t${s.refusal ?? 'ok'}`,
          ),
          { vendors: standings },
        );
      });
    });
  vendor
    .command('review')
    .description('record a review: questionnaire answers, evidence files (hashed), result, validity')
    .argument('<vendor>')
    .requiredOption('--result <result>', 'approved | conditional | rejected')
    .requiredOption('--valid-until <date>', 'YYYY-MM-DD')
    .option('--answer <question=answer>', 'questionnaire answer (repeatable)', collect)
    .option('--evidence <file>', 'evidence file; its name and SHA-256 are recorded (repeatable)', collect)
    .option('--reference <ref>')
    .action(
      async (
        name: string,
        options: {
          result: string;
          validUntil: string;
          answer?: string[];
          evidence?: string[];
          reference?: string;
        },
      ) => {
        if (!['approved', 'conditional', 'rejected'].includes(options.result))
          throw new UsageError('--result must be approved, conditional or rejected');
        const questionnaire = Object.fromEntries(
          (options.answer ?? []).map((a) => {
            const at = a.indexOf('=');
            if (at < 1) throw new UsageError(`--answer must look like question=answer, not "${a}"`);
            return [a.slice(0, at), a.slice(at + 1)];
          }),
        );
        const evidence = (options.evidence ?? []).map((file) => {
          let bytes: Buffer;
          try {
            bytes = readFileSync(file);
          } catch {
            throw new UsageError(`--evidence ${file}: cannot read the file`);
          }
          return { name: path.basename(file), sha256: createHash('sha256').update(bytes).digest('hex') };
        });
        await cli.withContext(async (ctx) => {
          const me = await officer(ctx, cli.io.env);
          const review = await ctx.compliance.vendors.record(
            {
              vendor: name,
              questionnaire,
              evidence,
              result: options.result as 'approved' | 'conditional' | 'rejected',
              validUntil: options.validUntil,
              ...(options.reference ? { reference: options.reference } : {}),
            },
            actorOf(me),
          );
          cli.print(
            cli.t('cli.compliance.vendor_reviewed', {
              vendor: name,
              result: review.result,
              validUntil: review.validUntil,
            }),
            { review },
          );
        });
      },
    );

  compliance
    .command('attest')
    .description('attest an attested control (training, response plan, backups…)')
    .argument('<control>')
    .requiredOption('--statement <text>')
    .requiredOption('--valid-until <date>', 'YYYY-MM-DD')
    .option('--evidence-ref <ref>', 'where the evidence is kept')
    .action(
      async (control: string, options: { statement: string; validUntil: string; evidenceRef?: string }) => {
        await cli.withContext(async (ctx) => {
          const me = await officer(ctx, cli.io.env);
          const attestation = await ctx.compliance.attest(
            {
              controlId: control,
              statement: options.statement,
              validUntil: options.validUntil,
              ...(options.evidenceRef ? { evidenceRef: options.evidenceRef } : {}),
            },
            actorOf(me),
          );
          cli.print(
            cli.t('cli.compliance.attested', {
              control,
              validUntil: attestation.validUntil,
              id: attestation.id,
            }),
            { attestation },
          );
        });
      },
    );

  compliance
    .command('attestations')
    .description('attestations: who attested which control, when, the evidence reference, until when')
    .option('--control <id>', 'only this control')
    .action(async (options: { control?: string }) => {
      await cli.withContext(async (ctx) => {
        const attestations = await ctx.compliance.attestations(options.control);
        cli.print(
          attestations.map(
            (a) =>
              `${a.controlId}	${a.attestedBy}	${a.attestedAt}	${a.validUntil}${a.isExpired ? ` (${cli.t('cli.compliance.expired')})` : ''}	${a.evidenceRef ?? '—'}	${a.statement}`,
          ),
          { attestations },
        );
      });
    });

  compliance
    .command('ropa')
    .description('the record of processing activities (个人信息处理活动记录), from the declarations')
    .action(async () => {
      await cli.withContext(async (ctx) => {
        const record = await ctx.compliance.processingRecord();
        cli.print(
          record.activities.map(
            (a) =>
              `${a.dataset}\t${a.lawfulBasis}\t${a.purposes.map((p) => p.name).join(',')}\t${a.retention}\t${a.hasSensitive ? 'sensitive' : ''}`,
          ),
          record,
        );
      });
    });

  compliance
    .command('package')
    .description('write a package for a regulator: reports, records, tree head, inclusion proofs')
    .requiredOption('--out <dir>', 'folder to create')
    .action(async (options: { out: string }) => {
      await cli.withContext(async (ctx) => {
        const me = await officer(ctx, cli.io.env);
        const manifest = await ctx.compliance.writePackage(path.resolve(options.out), actorOf(me));
        cli.print(
          cli.t('cli.compliance.package_written', {
            dir: options.out,
            files: manifest.files.length,
            size: manifest.treeHead.treeSize,
          }),
          manifest,
        );
      });
    });
}
