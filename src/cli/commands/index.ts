// Every command group of the `custos` CLI. An area adds its `register…Commands` here.

import type { Command } from 'commander';
import type { CliEnvironment } from '../environment.js';
import { registerAccessCommands } from './access.js';
import { registerAuditCommands } from './audit.js';
import { registerBackupCommands } from './backup.js';
import { registerClaimsCommands } from './claims.js';
import { registerClassifyCommands } from './classify.js';
import { registerCollectCommands } from './collect.js';
import { registerComplianceCommands } from './compliance.js';
import { registerConfigCommands } from './config.js';
import { registerConsentCommands } from './consent.js';
import { registerDsrCommands } from './dsr.js';
import { registerGrantCommands } from './grants.js';
import { registerInitCommands } from './init.js';
import { registerKeysCommands } from './keys.js';
import { registerMigrateCommands } from './migrate.js';
import { registerMonitorCommands } from './monitor.js';
import { registerPolicyCommands } from './policy.js';
import { registerRecordCommands } from './records.js';
import { registerRetentionCommands } from './retention.js';
import { registerScanCommands } from './scan.js';
import { registerScorecardCommands } from './scorecard.js';
import { registerSegmentCommands } from './segment.js';
import { registerServeCommands } from './serve.js';
import { registerShareCommands } from './share.js';
import { registerSourceCommands } from './source.js';
import { registerTokenCommands } from './token.js';
import { registerUserCommands } from './user.js';

export const commandGroups: Array<(program: Command, cli: CliEnvironment) => void> = [
  registerInitCommands,
  registerServeCommands,
  registerMigrateCommands,
  registerUserCommands,
  registerTokenCommands,
  registerConfigCommands,
  registerAuditCommands,
  registerKeysCommands,
  registerClassifyCommands,
  registerSourceCommands,
  registerCollectCommands,
  registerPolicyCommands,
  registerAccessCommands,
  registerGrantCommands,
  registerRecordCommands,
  registerDsrCommands,
  registerRetentionCommands,
  registerConsentCommands,
  registerComplianceCommands,
  registerShareCommands,
  registerMonitorCommands,
  registerBackupCommands,
  registerSegmentCommands,
  registerClaimsCommands,
  registerScorecardCommands,
  registerScanCommands,
];
