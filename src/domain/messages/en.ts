// English catalogue of user-facing messages (CLI output and API error headlines).

export const en = {
  'error.validation': 'Invalid input',
  'error.config': 'Invalid workspace configuration',
  'error.not_found': 'Not found',
  'error.unauthorized': 'Authentication required',
  'error.forbidden': 'Not allowed for your role',
  'error.no_policy': 'No access policy allows this',
  'error.purpose_not_allowed': 'Purpose not allowed',
  'error.approval_required': 'An approved access grant is required',
  'error.grant_expired': 'Your access grant has expired or was revoked',
  'error.conflict': 'Conflict with existing data',
  'error.share_refused': 'Share to a third party refused',
  'error.rate_limited': 'Too many attempts',
  'error.source': 'Source failed',
  'error.crypto': 'Cryptographic failure',
  'error.integrity': 'Integrity check failed',
  'error.unavailable': 'Service unavailable',
  'error.internal': 'Internal error',
  'error.usage': 'Bad usage',
  'cli.serve.listening': 'Custos console: {url}',
  'cli.serve.workspace': 'Workspace: {dir} (storage: {storage})',
  'cli.serve.admin_created': 'First start: created user "{username}" with password: {password}',
  'cli.serve.admin_created_note':
    'This password is shown only once. Change it with: custos user passwd {username}{workspace}',
  'cli.serve.admin_from_env':
    'First start: created user "{username}" with the password from CUSTOS_ADMIN_PASSWORD.',
  'cli.serve.login_hint':
    'Log in as an existing user (reset a password with: custos user passwd NAME{workspace}).',
  'cli.serve.api_docs': 'API documentation: {url}',
  'cli.init.created': 'Created workspace {dir}',
  'cli.migrate.done': 'Database is up to date ({count} migrations; applied now: {applied})',
  'cli.user.added': 'Added user {username} with role {role}',
  'cli.user.password_changed': 'Password changed for {username}',
  'cli.token.created': 'Token "{name}" for {username} (id {id}), expires {expiresAt}:',
  'cli.token.shown_once': 'Copy it now: it is not shown again.',
  'cli.token.revoked': 'Revoked token {id}',
  'cli.config.ok':
    'Workspace {dir} is valid: {vendors} vendors, {sources} sources, {datasets} datasets, {purposes} purposes, {roles} roles, {policies} policies',
  'cli.config.problems': 'Workspace has {count} problem(s):',
  'cli.password.prompt': 'Password: ',
  'cli.password.confirm': 'Repeat password: ',
  'cli.password.mismatch': 'Passwords do not match',
  // --- audit log ---
  'cli.audit.verify_ok': 'Audit log verified: {size} entries, {heads} signed tree heads agree. Root {root}',
  'cli.audit.verify_failed': 'Audit log verification FAILED at entry {index}: {message}',
  'cli.audit.proof_ok': 'The proof holds.',
  'cli.audit.proof_failed': 'The proof does NOT hold.',
  'cli.audit.key_rotated':
    'Signing key {previous} retired at tree size {size}; key {key} now signs (announced in the log, pinned in audit-trust.json).',
  'cli.monitor.ran': 'Monitoring rules evaluated: {findings} findings, {raised} new alerts.',
  'cli.backup.written':
    'Backup written: {file} ({bytes} bytes, SHA-256 {sha256}). Keep the master secret: the backup cannot be opened without it.',
  'cli.backup.postgres':
    'The data lives in PostgreSQL and is not in this file: back it up with pg_dump (password from PGPASSWORD or ~/.pgpass), and keep both together:\n  {command}',
  'cli.backup.restored':
    'Restored into {dir}: audit log verified ({entries} entries), {records} records present.',
  'cli.audit.empty': 'The audit log is empty.',
  // --- keys ---
  'cli.keys.status':
    'Suite {suite}, current key version v{current}; {dataKeys} data keys, {shredded} shredded, {pending} awaiting rewrap',
  'cli.keys.rotated': 'Created key version v{version}. Run `custos keys rewrap` to move data keys to it.',
  'cli.keys.rewrap_progress': 'rewrapped {done}, {remaining} to go',
  'cli.keys.rewrapped': 'Rewrapped {count} data keys.',
  'cli.keys.retired': 'Retired key version v{version}.',
  'cli.keys.erased':
    'Erased subject {subject} at {at}: data key destroyed; removed {records} records, {indexEntries} index entries and {quarantined} quarantined copies; it will not be collected again.',
  'cli.keys.master_prompt': 'Master secret: ',
  // --- classify ---
  'cli.classify.none': 'No personal information found.',
  'cli.classify.summary': '{file}: {records} records examined, {fields} fields',
  // --- sources ---
  'cli.serve.demo_simulators':
    'Demo: simulated partner API at {url}, public notice site at {site}, partner bank database in data/partner-bank.db',
  'cli.source.check_ok': 'Source {name}: OK — {message} (as {identity})',
  'cli.source.check_failed': 'Source {name}: FAILED — {message}',
  'cli.source.slot':
    '{stream} → {kind} {slot}: {state}, partner keeps {retained} of log for it{lagging} ({detail}; datasets: {datasets})',
  'cli.source.slot_missing': 'absent',
  'cli.source.slot_active': 'being read',
  'cli.source.slot_idle': 'idle',
  'cli.source.slot_lagging': ' — LAGGING, above cdc.lagWarnBytes',
  'cli.source.slots_dropped':
    'Source {name}: dropped {count} replication slot(s) ({streams}); the datasets reading them start over with a snapshot',
  'cli.source.preview':
    '{count} records from {name}/{stream} (values that look personal are masked; --show-values to see them):',
  'cli.serve.run_finished':
    'Collection {dataset}: {status} — {stored} stored, {quarantined} quarantined {detail}',
  'cli.collect.counts':
    'read {read}, stored {stored}, updated {updated}, unchanged {unchanged}, quarantined {quarantined}',
  'cli.collect.finished': '{dataset}: {status} in {seconds} s',
  'cli.collect.deleted': '{count} record(s) marked deleted at source (history kept)',
  'cli.collect.dropped': 'dropped fields (not declared, or not needed by the purposes): {fields}',
  'cli.collect.worker_done': 'worker {id} executed {count} run(s)',
  'cli.collect.sensitive': 'sensitive',
  'cli.collect.confirmed': 'confirmed {dataset}.{field}',
  'cli.collect.nothing_new':
    'nothing new since {time} (the last run stopped there); `--full` reads the source again from the start',
  'cli.quarantine.shown':
    '{shown} of {total} held record(s) shown (--limit for more, --dataset/--status to narrow)',
  'cli.collect.eta': 'ETA {time}',
  'cli.collect.queued':
    'queued run {run} of {dataset} for the workers (custos worker, or custos serve without --no-worker); custos runs --dataset {dataset} shows it',
  'cli.serve.no_worker':
    'No collection worker in this process (--no-worker): queued runs wait for custos worker',
  'cli.serve.demo_collecting': 'Demo: collecting {queued}',
  'cli.serve.demo_skipped': 'Demo: not collected (no connector for their source type yet): {skipped}',
  // --- access ---
  'cli.policy.explain': '{user} reading {dataset} for {purpose}: {outcome}',
  'cli.policy.row_filter': 'row filter {rule}: {where}',
  'access.reason.purpose_of_dataset': '{purpose} is not a purpose of dataset {dataset}',
  'access.reason.no_policy': 'no policy in force lets {user} read dataset {dataset}',
  'access.reason.no_policy_for_purpose': 'no policy lets {user} read {dataset} for {purpose}',
  'access.reason.every_field_denied': 'every field of {dataset} is denied to {user} for {purpose}',
  'access.reason.deny_item': 'denied by a deny item',
  'access.reason.above_clear_level': 'level {level} is above the clear level {max}',
  'access.reason.policy_mask': 'masked by the policy',
  'access.reason.within_clear_level': 'level {level} is within the clear level {max}',
  'access.reason.default_deny': 'no allow item matches (default deny)',
  'access.reason.not_granted': 'not among the granted fields',
  'cli.access.requested': 'Access request {id} is pending ({approvals} approval(s) needed).',
  'cli.access.granted': 'Request {id} approved: grant {grant} for {grantee} until {expiresAt}.',
  'cli.access.decided': 'Request {id} is now {status}.',
  'cli.grants.revoked': 'Revoked grant {id}.',
  'cli.records.page':
    '{count} record(s); withheld without consent: {noConsent}, filtered: {filtered}, damaged: {damaged}',
  'cli.records.exported': 'Export {id} written to {file}',
  'cli.records.deleted_at_source': 'deleted at source {at}',
  'cli.records.verified':
    '{dataset}: {checked} record(s) checked, {damaged} damaged, {erased} of erased subjects',
  // --- analytics: credit scorecard ---
  'cli.scorecard.fitted':
    'Model {name} v{version} ({id}) fitted on {rows} row(s), {bads} bad; written to {file}. Status: draft (a compliance officer must approve it before it scores).',
  'cli.scorecard.variable': '{name}\tIV {iv}\t{status}',
  'cli.scorecard.kept': 'in the model',
  'cli.scorecard.dropped_low_iv': 'left out: low IV',
  'cli.scorecard.dropped_correlated': 'left out: correlated with {other} (r = {r})',
  'cli.scorecard.training': 'Training data: AUC {auc}, KS {ks}, Gini {gini}',
  'cli.scorecard.scored': '{count} record(s) scored with {name} v{version}',
  'cli.scorecard.decided': 'Model {id} is now {status}.',
  // --- data-subject requests and retention ---
  'cli.dsr.created': 'Request {id} ({type}) received; answer by {deadline}.',
  'cli.dsr.status': 'Request {id} ({type}) is now {status}.',
  'cli.dsr.line': '{id}\t{type}\t{status}\tdue {deadline}{overdue}',
  'cli.dsr.overdue': '\tOVERDUE',
  'cli.dsr.step': '  {at}\t{step}\t{actor}',
  'cli.dsr.exported': 'Result of request {id} written to {file} (keep it safe: it holds personal data).',
  'cli.retention.report':
    '{dataset} ({retention} from {from}): {expired} past retention, {deleted} deleted, {held} kept on legal hold, {quarantined} quarantined copies deleted{onHold}',
  'cli.retention.on_hold': ' — DATASET ON LEGAL HOLD',
  'cli.retention.totals':
    '{mode}: {deleted} record(s) deleted, {held} kept on hold, {keys} data key(s) deleted (report {id})',
  'cli.retention.dry_run': 'Dry run (nothing deleted)',
  'cli.retention.done': 'Retention run',
  'cli.retention.ran':
    'Retention: {deleted} record(s) deleted, {held} kept on hold, {keys} data key(s) deleted',
  'cli.retention.held': 'Legal hold placed on subject {subject}.',
  'cli.retention.released': 'Legal hold released on subject {subject}.',
  // --- consent ---
  'cli.consent.granted': 'Recorded consent of subject {subject} to {purposes}.',
  'cli.consent.withdrawn':
    'Recorded withdrawal of subject {subject} from {purposes}: not collected nor read for them from now on.',
  'cli.consent.erased':
    'No consent remains and the workspace says consent.onWithdrawal: erase — subject {subject} was erased.',
  'cli.consent.subject': 'Subject {subject}: consents to {count} purposes',
  'cli.consent.outdated': 'notice changed since: consent again to {current}',
  'cli.consent.line_problem': '{file} line {line}, field {field}: {message}',
  'cli.consent.imported':
    '{file}: recorded {lines} lines; {invalid} lines not readable (skipped); {erased} subjects erased.',
  'cli.consent.import_refused':
    '{file}: {invalid} lines not readable (listed above); nothing recorded. Fix them, or record the others with --skip-invalid.',
  // --- compliance ---
  'cli.compliance.audit_done':
    'Compliance audit {id}: score {score}/100 — {fail} failing, {warn} warnings, {manual} manual, {na} not applicable, {pass} passing',
  'cli.compliance.audit_hash': 'Report {algorithm} {hash} appended to the audit log as entry {index}',
  'cli.compliance.scheduled_audit': 'Scheduled compliance audit {id}: score {score}/100',
  'cli.compliance.report_written': 'Report written to {file}',
  'cli.compliance.pia_created': 'Impact assessment {id} drafted (triggers: {triggers})',
  'cli.compliance.pia_decided': 'Impact assessment {id} is now {status}',
  'cli.compliance.incident_registered': 'Incident {id} registered',
  'cli.compliance.incident_updated': 'Incident {id}: {status}',
  'cli.compliance.vendor_reviewed': 'Vendor {vendor} reviewed: {result}, valid until {validUntil}',
  'cli.compliance.pia_revised': 'Impact assessment {id} revised',
  'cli.compliance.pia_deleted': 'Impact assessment {id} deleted',
  'cli.compliance.expired': 'expired',
  'cli.share.written':
    'Share {id} to {vendor}: {records} records written to {file} ({leftOut} left out for want of consent)',
  'cli.compliance.attested': 'Control {control} attested until {validUntil} ({id})',
  'cli.compliance.package_written':
    'Regulator package written to {dir}: {files} files, tree head of size {size}',
  // --- analytics (segmentation, claims) ---
  'cli.segment.chosen':
    '{subjects} subject(s) in {k} segments (silhouette {silhouette}); k-anonymity {kAnonymity}',
  'cli.segment.profile': '{segment}\tsize {size}\tR {r}\tF {f}\tM {m}',
  'cli.segment.suppressed': '{segment}\tsuppressed (fewer than {kAnonymity} subjects)',
  'cli.segment.saved': 'Saved as derived dataset {name} ({rows} rows, result hash {hash})',
  'cli.claims.reserve_total': 'Total: latest {latest}, ultimate {ultimate}, IBNR {ibnr}',
  'cli.claims.loss_ratio':
    '{dimension}={value}\tclaims {claims}\tincurred {incurred}\tpremium {premium}\tloss ratio {lossRatio}',
  'cli.claims.cycle_time': '{group}\tsettled {settled}\tmean {mean} d\tmedian {median} d\tp90 {p90} d',
  'cli.claims.suppressed': 'suppressed (fewer than {kAnonymity})',
  'scan.demo-master-secret.title':
    'The published demo master secret is in use (in custos.yaml: {inCustosYaml}; in the environment: {inEnvironment})',
  'scan.demo-master-secret.remediation':
    'Remove crypto.demoMasterKey from custos.yaml and set CUSTOS_MASTER_KEY to a secret of your own (openssl rand -base64 32); only the demo workspace may use the demo secret.',
  'scan.private-networks.title':
    'Sources may reach loopback and private networks (egress.allowPrivateNetworks)',
  'scan.private-networks.remediation':
    'Set egress.allowPrivateNetworks to false in custos.yaml (it is meant for the demo and tests).',
  'scan.egress-allowlist-missing.title': '{count} API or crawler sources have no egress allowlist: {sources}',
  'scan.egress-allowlist-missing.remediation':
    'Declare egress.allow (the hosts each source may reach) in sources.yaml.',
  'scan.tokens-without-expiry.title': '{count} API tokens are valid for more than a year',
  'scan.tokens-without-expiry.remediation':
    'Revoke them (custos token revoke) and issue tokens with an expiry of a year or less.',
  'scan.key-file-readable.title': 'Key file {file} is readable by group or others (mode {mode})',
  'scan.key-file-readable.remediation':
    'Run chmod 600 {file} and keep key files readable by the service account only.',
  'scan.tls-off-public.title': 'The server listens on {host} without TLS',
  'scan.tls-off-public.remediation':
    'Configure server.tls (certificate and key), or bind 127.0.0.1 behind a TLS-terminating proxy and set server.behindTlsProxy.',
  'scan.cookies-not-secure.title': 'Behind a TLS proxy on {host}, session cookies are not marked Secure',
  'scan.cookies-not-secure.remediation': 'Set server.secureCookies to true in custos.yaml.',
  'scan.too-many-admins.title': '{admins} enabled admin accounts (at most {maxAdmins} expected)',
  'scan.too-many-admins.remediation':
    'Give the extra people a narrower role or disable their accounts; raise security.scan.maxAdmins only if the need is recorded.',
  'scan.stale-accounts.title': '{count} enabled accounts unused for more than {days} days',
  'scan.stale-accounts.remediation': 'Disable the accounts nobody uses (custos user disable).',
  'scan.dependency-vulnerability.title': 'Vulnerable dependency {package}: {advisories}',
  'scan.dependency-vulnerability.remediation':
    'Upgrade {package} (fix: {fixAvailable}) and rebuild; see the advisory for versions affected ({range}).',
  'scan.api-in-clear.title': 'The API at {url} is reached without TLS on a non-loopback address',
  'scan.api-in-clear.remediation': 'Serve the API over HTTPS (server.tls or a TLS-terminating proxy).',
  'scan.public-route-unexpected.title':
    '{route} is documented as public but is not one of the expected public routes',
  'scan.public-route-unexpected.remediation': 'Require roles on the route, or record why it must be public.',
  'scan.route-unprotected.title': '{route} answered {status} without credentials',
  'scan.route-unprotected.remediation':
    'Declare the roles that may call the route; every route must refuse anonymous callers.',
  'scan.forged-token-accepted.title': '{route} answered {status} to a forged token',
  'scan.forged-token-accepted.remediation':
    'Check the bearer token on the route; a forged token must be refused with 401.',
  'scan.route-error.title': '{route} failed with {status} for a signed-in caller',
  'scan.route-error.remediation': 'Read the server log for the request and fix the route.',
  'scan.header-missing.title':
    'Security header {header} missing or weak on {routes} answers (e.g. {example})',
  'scan.header-missing.remediation':
    'Set {header} on every answer (Custos sets it by default; check a proxy in front does not strip it).',
  'scan.could_not.no_lockfile': 'Dependencies not checked: no package-lock.json in the installation',
  'scan.could_not.timeout': 'Dependencies not checked: npm audit took longer than {seconds} s',
  'scan.could_not.no_npm': 'Dependencies not checked: npm is not available',
  'scan.could_not.unreadable': 'Dependencies not checked: npm audit gave no readable report',
  'scan.could_not.registry': 'Dependencies not checked: the registry did not answer the audit',
  'scan.could_not.file_modes': 'Key file permissions not checked: this platform has no POSIX file modes',
  'scan.could_not.openapi': 'API not checked: its OpenAPI document at {url} could not be read',
  'scan.could_not.token_refused': 'Authenticated checks not done: the token was refused',
  'scan.could_not.no_answers': 'Security headers not checked: no answer to inspect',
  'scan.could_not.failed': 'Not checked: the check failed',
  'cli.scan.summary':
    'Scan {id}: {critical} critical, {high} high, {medium} medium, {low} low; {couldNotCheck} not checked',
  'cli.scan.could_not': 'NOT CHECKED',
} as const;

export type MessageKey = keyof typeof en;
