// The compliance services behind one face, shared by the API, the CLI and `custos serve`: audits
// and their reports, the catalogue with the latest results, impact assessments, vendor reviews,
// the incident register, attestations, the record of processing activities, regulator packages.

import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/index.js';
import { type Locale, NotFoundError, ValidationError } from '../domain/index.js';
import type { KeyService } from '../governance/index.js';
import type { Store } from '../store/index.js';
import type { Workspace } from '../workspace/index.js';
import { type Catalogue, type Control, defaultCatalogue } from './catalogue.js';
import { fieldGrades } from './checks/declarations.js';
import type { CheckContext, CheckStatus, Evidence } from './checks/index.js';
import {
  createCheckContext,
  listAudits,
  loadAudit,
  runComplianceAudit,
  type StoredAudit,
} from './compliance-audit.js';
import {
  ImpactAssessmentService,
  modelledDatasets,
  type NewImpactAssessment,
  piaTriggers,
} from './impact-assessment.js';
import { IncidentRegister } from './incident-register.js';
import { type ProcessingRecord, processingRecord } from './processing-record.js';
import { type PackageManifest, writeRegulatorPackage } from './regulator-package.js';
import { renderReportHtml } from './report-html.js';
import { DEFAULT_CHROMIUM, findChromium, htmlToPdf } from './report-pdf.js';
import { shareSummaries } from './third-party-share.js';
import { VendorReviewService } from './vendor-review.js';

export interface ComplianceDeps {
  workspace: Workspace;
  store: Store;
  audit: AuditLog;
  keys?: () => KeyService;
  catalogue?: Catalogue;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
}

export interface ControlView extends Control {
  /** Result in the latest audit, when there is one. */
  latest: { status: CheckStatus; evidence: Evidence; auditId: string } | null;
}

export interface Attestation {
  id: string;
  controlId: string;
  statement: string;
  evidenceRef: string | null;
  attestedBy: string;
  attestedAt: string;
  validUntil: string;
}

/** An attestation as listed: whether it still holds today. */
export interface AttestationView extends Attestation {
  isExpired: boolean;
}

/** What this server can produce: the PDF report needs the machine's Chromium. */
export interface ComplianceCapabilities {
  pdf: 'available' | 'unavailable';
  /** Why not, when unavailable (the HTML report prints to PDF from any browser). */
  pdfReason: string | null;
}

export class ComplianceService {
  readonly catalogue: Catalogue;
  readonly assessments: ImpactAssessmentService;
  readonly vendors: VendorReviewService;
  readonly incidents: IncidentRegister;
  private readonly now: () => Date;

  constructor(private readonly deps: ComplianceDeps) {
    this.catalogue = deps.catalogue ?? defaultCatalogue();
    this.now = deps.now ?? (() => new Date());
    this.assessments = new ImpactAssessmentService(deps.store.db, deps.workspace, deps.audit, this.now);
    this.vendors = new VendorReviewService(deps.store.db, deps.workspace, deps.audit, this.now);
    this.incidents = new IncidentRegister(deps.store.db, deps.workspace, deps.audit, this.now);
  }

  /** Runs an audit of every control; stores it and appends its hash to the audit log. */
  runAudit(actor: string, trigger: 'manual' | 'schedule' = 'manual'): Promise<StoredAudit> {
    return runComplianceAudit(
      {
        workspace: this.deps.workspace,
        store: this.deps.store,
        audit: this.deps.audit,
        catalogue: this.catalogue,
        now: this.now,
        ...(this.deps.keys ? { keys: this.deps.keys } : {}),
      },
      { actor, trigger },
    );
  }

  listAudits(limit?: number) {
    return listAudits(this.deps.store, limit);
  }

  getAudit(id?: string): Promise<StoredAudit> {
    return loadAudit(this.deps.store, id);
  }

  async reportHtml(locale: Locale, id?: string): Promise<string> {
    return renderReportHtml(await this.getAudit(id), this.catalogue, locale);
  }

  capabilities(): ComplianceCapabilities {
    const chromium = findChromium(this.deps.env);
    return chromium
      ? { pdf: 'available', pdfReason: null }
      : {
          pdf: 'unavailable',
          pdfReason: `no Chromium at ${this.deps.env?.CUSTOS_CHROMIUM ?? DEFAULT_CHROMIUM} (install chromium or set CUSTOS_CHROMIUM)`,
        };
  }

  async reportPdf(locale: Locale, id?: string): Promise<Buffer> {
    return htmlToPdf(await this.reportHtml(locale, id), this.deps.env);
  }

  /** The catalogue with each control's result in the latest audit. */
  async controls(): Promise<ControlView[]> {
    const latest = await this.getAudit().catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    return this.catalogue.controls.map((control) => {
      const result = latest?.report.controls.find((c) => c.id === control.id);
      return {
        ...control,
        latest:
          result && latest ? { status: result.status, evidence: result.evidence, auditId: latest.id } : null,
      };
    });
  }

  /** The datasets needing an impact assessment and why (Art. 55), from the declarations. */
  async piaTriggers(): Promise<Array<{ dataset: string; triggers: string[] }>> {
    const modelled = await modelledDatasets(this.deps.store.db);
    return [...piaTriggers(this.deps.workspace, await this.sensitiveDatasets(), modelled)].map(
      ([dataset, triggers]) => ({
        dataset,
        triggers,
      }),
    );
  }

  async createAssessment(input: NewImpactAssessment, author: string) {
    return this.assessments.create(input, author, await this.sensitiveDatasets());
  }

  async reviseAssessment(id: string, input: NewImpactAssessment, actor: string) {
    return this.assessments.revise(id, input, actor, await this.sensitiveDatasets());
  }

  async processingRecord(): Promise<ProcessingRecord> {
    return processingRecord(
      this.deps.workspace,
      await fieldGrades(this.checkContext()),
      this.now(),
      await shareSummaries(this.deps.store.db),
    );
  }

  async attest(
    input: { controlId: string; statement: string; evidenceRef?: string; validUntil: string },
    actor: string,
  ): Promise<Attestation> {
    const control = this.catalogue.controls.find((c) => c.id === input.controlId);
    if (!control)
      throw new NotFoundError(`no control ${input.controlId} in the catalogue`, {
        controlId: input.controlId,
      });
    if (control.kind !== 'attested')
      throw new ValidationError(`control ${control.id} is ${control.kind}, not attested`, {
        field: 'controlId',
      });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.validUntil))
      throw new ValidationError('validUntil must be a date YYYY-MM-DD', { field: 'validUntil' });
    const attestation: Attestation = {
      id: randomUUID(),
      controlId: control.id,
      statement: input.statement,
      evidenceRef: input.evidenceRef ?? null,
      attestedBy: actor,
      attestedAt: this.now().toISOString(),
      validUntil: input.validUntil,
    };
    await this.deps.store.db
      .insertInto('compliance_attestations')
      .values({
        id: attestation.id,
        control_id: attestation.controlId,
        statement: attestation.statement,
        evidence_ref: attestation.evidenceRef,
        attested_by: actor,
        attested_at: attestation.attestedAt,
        valid_until: attestation.validUntil,
      })
      .execute();
    await this.deps.audit.record([
      {
        actor,
        action: 'compliance.attest',
        target: `control:${control.id}`,
        details: { attestationId: attestation.id, validUntil: attestation.validUntil },
      },
    ]);
    return attestation;
  }

  /** Attestations, newest first, optionally of one control; expired ones are marked. */
  async attestations(controlId?: string): Promise<AttestationView[]> {
    let query = this.deps.store.db
      .selectFrom('compliance_attestations')
      .selectAll()
      .orderBy('attested_at', 'desc')
      .orderBy('id');
    if (controlId !== undefined) query = query.where('control_id', '=', controlId);
    const today = this.now().toISOString().slice(0, 10);
    return (await query.execute()).map((r) => ({
      id: r.id,
      controlId: r.control_id,
      statement: r.statement,
      evidenceRef: r.evidence_ref,
      attestedBy: r.attested_by,
      attestedAt: r.attested_at,
      validUntil: r.valid_until,
      isExpired: r.valid_until < today,
    }));
  }

  async writePackage(dir: string, actor: string): Promise<PackageManifest> {
    return writeRegulatorPackage(
      this.deps.store,
      this.deps.audit,
      this.catalogue,
      {
        processingRecord: await this.processingRecord(),
        assessments: await this.assessments.list(),
        incidents: await this.incidents.list(),
        vendorReviews: await this.vendors.list(),
      },
      { dir, actor, now: this.now() },
    );
  }

  private async sensitiveDatasets(): Promise<Set<string>> {
    return new Set(
      (await fieldGrades(this.checkContext())).filter((g) => g.isSensitive).map((g) => g.dataset),
    );
  }

  /** The check context of an audit starting now (the declaration helpers read it). */
  checkContext(): CheckContext {
    return createCheckContext(this.deps, this.now());
  }
}
