// The audit report as a printable HTML page (zh-CN or en): score per framework as bars, the trend
// against the previous audit, controls failing first with their evidence and remediation. The
// report's JSON — exactly the bytes whose hash is in the audit log — travels inside the page, so
// the page carries what is needed to prove it unaltered.

import type { Locale } from '../domain/index.js';
import type { Catalogue } from './catalogue.js';
import type { CheckStatus } from './checks/index.js';
import type { StoredAudit } from './compliance-audit.js';

const TEXT = {
  'zh-CN': {
    title: '合规审计报告',
    organisation: '组织',
    auditId: '审计编号',
    at: '时间',
    actor: '执行人',
    score: '总分',
    byFramework: '各框架得分',
    trend: '与上次审计比较',
    noPrevious: '没有上次审计可比较。',
    previous: '上次审计',
    delta: '变化',
    newlyFailing: '新增不通过',
    resolved: '已解决',
    controls: '控制项（不通过的在前）',
    control: '控制项',
    clause: '条款',
    status: '结果',
    severity: '严重程度',
    evidence: '证据',
    remediation: '整改建议',
    integrity: '完整性',
    hashLine: '本报告 JSON 的 {algorithm} 摘要为 {hash}，已写入审计日志第 {index} 条。',
    hashPending: '本报告 JSON 的 {algorithm} 摘要为 {hash}。',
    scoring: '计分：通过 1 分、警告 0.5 分、不通过 0 分；人工与不适用不计分。',
    status_pass: '通过',
    status_fail: '不通过',
    status_warn: '警告',
    status_manual: '人工',
    status_not_applicable: '不适用',
  },
  en: {
    title: 'Compliance audit report',
    organisation: 'Organisation',
    auditId: 'Audit id',
    at: 'Time',
    actor: 'Run by',
    score: 'Overall score',
    byFramework: 'Score per framework',
    trend: 'Against the previous audit',
    noPrevious: 'No previous audit to compare with.',
    previous: 'Previous audit',
    delta: 'Change',
    newlyFailing: 'Newly failing',
    resolved: 'Resolved',
    controls: 'Controls (failing first)',
    control: 'Control',
    clause: 'Clause',
    status: 'Result',
    severity: 'Severity',
    evidence: 'Evidence',
    remediation: 'Remediation',
    integrity: 'Integrity',
    hashLine:
      'The {algorithm} digest of this report’s JSON is {hash}, appended to the audit log as entry {index}.',
    hashPending: 'The {algorithm} digest of this report’s JSON is {hash}.',
    scoring: 'Scoring: pass 1, warning 0.5, fail 0; manual and not applicable are not scored.',
    status_pass: 'pass',
    status_fail: 'fail',
    status_warn: 'warning',
    status_manual: 'manual',
    status_not_applicable: 'not applicable',
  },
} as const;

const COLOURS: Record<CheckStatus, string> = {
  pass: '#237804',
  fail: '#a8071a',
  warn: '#ad6800',
  manual: '#434343',
  not_applicable: '#8c8c8c',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function renderReportHtml(audit: StoredAudit, catalogue: Catalogue, locale: Locale): string {
  const t = TEXT[locale];
  const r = audit.report;
  const frameworkTitle = (f: string) =>
    catalogue.frameworks.find((x) => x.framework === f)?.title[locale] ?? f;
  const signed = (n: number | null | undefined) =>
    n === null || n === undefined ? '—' : `${n > 0 ? '+' : ''}${n}`;
  const bars = r.frameworks
    .map((f) => {
      const width = f.score ?? 0;
      return `<tr><th scope="row">${escapeHtml(frameworkTitle(f.framework))}</th><td class="bar"><span style="width:${width}%"></span></td><td class="num">${f.score ?? '—'}</td><td class="num">${signed(r.trend.frameworks[f.framework])}</td><td class="counts">${(['fail', 'warn', 'pass', 'manual', 'not_applicable'] as const).map((s) => `${t[`status_${s}`]} ${f.counts[s]}`).join(' · ')}</td></tr>`;
    })
    .join('\n');
  const trend = r.previous
    ? `<p>${t.previous}: ${escapeHtml(r.previous.id)} (${escapeHtml(r.previous.at)}), ${r.previous.score} → ${r.score} (${t.delta} ${signed(r.trend.scoreDelta)})</p>
<p>${t.newlyFailing}: ${r.trend.newlyFailing.map(escapeHtml).join(', ') || '—'}</p>
<p>${t.resolved}: ${r.trend.resolved.map(escapeHtml).join(', ') || '—'}</p>`
    : `<p>${t.noPrevious}</p>`;
  const rows = r.controls
    .map(
      (c) =>
        `<tr class="s-${c.status}"><td><strong>${escapeHtml(c.id)}</strong><br>${escapeHtml(c.title[locale])}</td><td>${escapeHtml(c.clause)}</td><td><span class="badge" style="background:${COLOURS[c.status]}">${t[`status_${c.status}`]}</span></td><td>${escapeHtml(c.severity)}</td><td><pre>${escapeHtml(JSON.stringify(c.evidence, null, 1))}</pre></td><td>${c.status === 'pass' || c.status === 'not_applicable' ? '' : escapeHtml(c.remediation[locale])}</td></tr>`,
    )
    .join('\n');
  const hashLine =
    audit.auditIndex === null
      ? fill(t.hashPending, { algorithm: audit.hashAlgorithm.toUpperCase(), hash: audit.reportHash })
      : fill(t.hashLine, {
          algorithm: audit.hashAlgorithm.toUpperCase(),
          hash: audit.reportHash,
          index: audit.auditIndex,
        });
  // `<` is escaped inside the embedded JSON so it cannot close the script element; JSON.parse
  // restores it, and the parsed value re-serialises (canonically) to the hashed bytes.
  const embedded = audit.reportText.replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<title>${t.title} — ${escapeHtml(r.organisation)} — ${escapeHtml(r.at)}</title>
<style>
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;margin:2em;color:#1f1f1f;font-size:13px}
h1{font-size:22px;margin-bottom:0}h2{font-size:16px;margin-top:1.6em;border-bottom:1px solid #d9d9d9}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #e8e8e8;padding:4px 6px;vertical-align:top;text-align:left}
td.bar{width:35%}td.bar span{display:block;height:12px;background:#1677ff}td.num{text-align:right;white-space:nowrap}
.badge{color:#fff;padding:1px 6px;border-radius:3px;white-space:nowrap}pre{margin:0;white-space:pre-wrap;word-break:break-all;font-size:11px}
.score{font-size:32px;font-weight:bold}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{color:#595959}
@media print{body{margin:0}tr{page-break-inside:avoid}h2{page-break-after:avoid}}
</style>
</head>
<body>
<h1>${t.title}</h1>
<dl><dt>${t.organisation}</dt><dd>${escapeHtml(r.organisation)}</dd><dt>${t.auditId}</dt><dd>${escapeHtml(r.id)}</dd><dt>${t.at}</dt><dd>${escapeHtml(r.at)}</dd><dt>${t.actor}</dt><dd>${escapeHtml(r.actor)}</dd></dl>
<p>${t.score}: <span class="score">${r.score}</span> / 100</p>
<p>${t.scoring}</p>
<h2>${t.byFramework}</h2>
<table><tbody>
${bars}
</tbody></table>
<h2>${t.trend}</h2>
${trend}
<h2>${t.controls}</h2>
<table><thead><tr><th>${t.control}</th><th>${t.clause}</th><th>${t.status}</th><th>${t.severity}</th><th>${t.evidence}</th><th>${t.remediation}</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>${t.integrity}</h2>
<p>${hashLine}</p>
<script type="application/json" id="custos-report">${embedded}</script>
</body>
</html>
`;
}
