// Public face of analytics: analyses over the governed read path only (DESIGN.md "analytics").

export {
  type Bin,
  type BinningOptions,
  type BinValue,
  binIndexer,
  binVariable,
  chiSquare,
  isMissing,
  type MonotonicTrend,
  type VariableBinning,
  weightOfEvidence,
} from './binning.js';
export {
  auc,
  type CurvePoint,
  curves,
  type Evaluation,
  evaluate,
  gini,
  type KsPoint,
  psi,
  psiFromCounts,
} from './evaluation.js';
export { fitLogistic, type LogisticFit, sigmoid } from './logistic-regression.js';
export {
  hashDefinition,
  MODEL_APPROVER_ROLES,
  MODEL_READER_ROLES,
  MODEL_STATUSES,
  type ModelFile,
  type ModelHashes,
  type ModelRecord,
  ModelRegistry,
  type ModelStatus,
  parseModelFile,
} from './model-registry.js';
export {
  correlation,
  DEFAULT_SCALING,
  type FitOptions,
  fitScorecard,
  REASON_COUNT,
  type Reason,
  SCORECARD_FORMAT,
  type Scaling,
  type ScorecardDefinition,
  type ScoredRow,
  type Scorer,
  scalingOf,
  scorecardTable,
  scorerOf,
  type TrainingData,
  woeColumn,
} from './scorecard.js';
export {
  ANALYST_ROLES,
  type FitRequest,
  type FitResult,
  ScorecardService,
  type ScoredItem,
  type ScoreResult,
} from './scorecard-service.js';
