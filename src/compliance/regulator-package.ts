// The package handed to a regulator: the audit reports (JSON exactly as hashed, and HTML), the
// record of processing activities, impact assessments, the incident register, vendor reviews, the
// latest signed tree head, and for every cited audit entry (each report's hash entry) the entry
// itself with an inclusion proof against that head — checkable with `custos audit verify-inclusion`.
// Exporting it counts as a tree-head export (witnessing) and is itself audited.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditLog, InclusionProof, TreeHead } from '../audit/index.js';
import { NotFoundError } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { Catalogue } from './catalogue.js';
import { listAudits, loadAudit } from './compliance-audit.js';
import type { ImpactAssessment } from './impact-assessment.js';
import type { Incident } from './incident-register.js';
import type { ProcessingRecord } from './processing-record.js';
import { renderReportHtml } from './report-html.js';
import type { VendorReview } from './vendor-review.js';

export interface PackageContents {
  processingRecord: ProcessingRecord;
  assessments: ImpactAssessment[];
  incidents: Incident[];
  vendorReviews: VendorReview[];
}

export interface PackageManifest {
  format: 'custos.regulator-package/1';
  createdAt: string;
  organisation: string;
  treeHead: TreeHead;
  audits: Array<{
    id: string;
    at: string;
    reportHash: string;
    hashAlgorithm: string;
    auditIndex: number;
    files: string[];
  }>;
  citedEntries: Array<{ index: number; entry: string; proof: InclusionProof }>;
  files: string[];
}

/** Writes the package into `dir` (created; must be empty or absent) and returns its manifest. */
export async function writeRegulatorPackage(
  store: Store,
  audit: AuditLog,
  catalogue: Catalogue,
  contents: PackageContents,
  options: { dir: string; actor: string; audits?: number; now?: Date },
): Promise<PackageManifest> {
  const now = options.now ?? new Date();
  const audits = (await listAudits(store, options.audits ?? 4)).filter((a) => a.auditIndex !== null);
  if (audits.length === 0)
    throw new NotFoundError('no compliance audit to package: run custos compliance audit first');
  mkdirSync(options.dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(path.join(options.dir, name), text);
    files.push(name);
  };
  // The export is recorded first, so the head handed over already includes it.
  await audit.record([
    {
      actor: options.actor,
      action: 'compliance.package',
      target: 'regulator_package',
      details: { audits: audits.map((a) => a.id) },
    },
  ]);
  const head = await audit.latestHead();
  if (!head) throw new NotFoundError('the audit log has no tree head');
  const manifestAudits: PackageManifest['audits'] = [];
  const cited: PackageManifest['citedEntries'] = [];
  for (const summary of audits) {
    const stored = await loadAudit(store, summary.id);
    const base = `audit-${stored.at.slice(0, 10)}-${stored.id.slice(0, 8)}`;
    write(`${base}.json`, stored.reportText);
    write(`${base}.zh-CN.html`, renderReportHtml(stored, catalogue, 'zh-CN'));
    write(`${base}.en.html`, renderReportHtml(stored, catalogue, 'en'));
    const index = stored.auditIndex!;
    const entry = await store.db
      .selectFrom('audit_entries')
      .select('entry')
      .where('idx', '=', index)
      .executeTakeFirstOrThrow();
    cited.push({ index, entry: entry.entry, proof: await audit.inclusionProof(index, head.treeSize) });
    manifestAudits.push({
      id: stored.id,
      at: stored.at,
      reportHash: stored.reportHash,
      hashAlgorithm: stored.hashAlgorithm,
      auditIndex: index,
      files: [`${base}.json`, `${base}.zh-CN.html`, `${base}.en.html`],
    });
  }
  write('processing-record.json', `${JSON.stringify(contents.processingRecord, null, 2)}\n`);
  write('impact-assessments.json', `${JSON.stringify(contents.assessments, null, 2)}\n`);
  write('incidents.json', `${JSON.stringify(contents.incidents, null, 2)}\n`);
  write('vendor-reviews.json', `${JSON.stringify(contents.vendorReviews, null, 2)}\n`);
  write('tree-head.json', `${JSON.stringify(head, null, 2)}\n`);
  const manifest: PackageManifest = {
    format: 'custos.regulator-package/1',
    createdAt: now.toISOString(),
    organisation: head.origin,
    treeHead: head,
    audits: manifestAudits,
    citedEntries: cited,
    files: [...files, 'manifest.json'],
  };
  writeFileSync(path.join(options.dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
