// Check over vulnerability and posture scans (GB/T 22239 intrusion prevention: known
// vulnerabilities are found and dealt with). Evidence names the latest scan and its counts.

import { type Check, daysBefore, pass, warn } from './check.js';

// A scan ran within compliance.vulnerabilityScanDays and its findings hold no high or critical one.
export const vulnerabilityScanRecent: Check = async (ctx) => {
  const days = ctx.workspace.config.compliance.vulnerabilityScanDays;
  const latest = await ctx.db
    .selectFrom('security_scans')
    .select(['id', 'at', 'critical_count', 'high_count', 'could_not_check_count', 'result'])
    .where('at', '<=', ctx.now.toISOString())
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!latest) return { status: 'fail', evidence: { latestScan: null, intervalDays: days } };
  const evidence = {
    latestScan: latest.id,
    at: latest.at,
    intervalDays: days,
    critical: Number(latest.critical_count),
    high: Number(latest.high_count),
    couldNotCheck: Number(latest.could_not_check_count),
    dependenciesChecked: (JSON.parse(latest.result) as { checked: string[] }).checked.includes('dependency'),
  };
  if (latest.at < daysBefore(ctx.now, days)) return { status: 'fail', evidence };
  if (evidence.critical + evidence.high > 0) return { status: 'fail', evidence };
  // Parts it could not check (registry down) or left out leave the result unproven, not failed.
  if (evidence.couldNotCheck > 0 || !evidence.dependenciesChecked) return warn(evidence);
  return pass(evidence);
};
