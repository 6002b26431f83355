// The ordered list of migrations, shared by both dialects. Add a file `NNNN_<area>.ts` and list it
// here; names sort in application order. Static imports keep this working from dist/ and tsx alike.

import type { Migration } from 'kysely';
import * as foundation from './0001_foundation.js';
import * as audit from './0002_audit.js';
import * as keys from './0003_keys.js';
import * as pipeline from './0004_pipeline.js';
import * as recordStorage from './0005_record_storage.js';
import * as access from './0007_access.js';
import * as recordDeletion from './0008_record_deletion.js';
import * as runTakeover from './0009_run_takeover.js';
import * as erasure from './0010_erasure.js';
import * as snapshotKeys from './0011_snapshot_keys.js';
import * as consentLedger from './0012_consent_ledger.js';
import * as subjectRights from './0013_subject_rights.js';
import * as compliance from './0014_compliance.js';
import * as security from './0015_security.js';
import * as indexHashes from './0016_index_hashes.js';
import * as analyticsModels from './0017_analytics_models.js';
import * as derivedDatasets from './0018_derived_datasets.js';
import * as securityOperations from './0019_security_operations.js';
import * as thirdPartyShares from './0020_third_party_shares.js';
import * as securityScans from './0021_security_scans.js';
import * as keyRewrap from './0022_key_rewrap.js';

export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_audit': audit,
  '0003_keys': keys,
  '0004_pipeline': pipeline,
  '0005_record_storage': recordStorage,
  '0007_access': access,
  '0008_record_deletion': recordDeletion,
  '0009_run_takeover': runTakeover,
  '0010_erasure': erasure,
  '0011_snapshot_keys': snapshotKeys,
  '0012_consent_ledger': consentLedger,
  '0013_subject_rights': subjectRights,
  '0014_compliance': compliance,
  '0015_security': security,
  '0016_index_hashes': indexHashes,
  '0017_analytics_models': analyticsModels,
  '0018_derived_datasets': derivedDatasets,
  '0019_security_operations': securityOperations,
  '0020_third_party_shares': thirdPartyShares,
  '0021_security_scans': securityScans,
  '0022_key_rewrap': keyRewrap,
};
