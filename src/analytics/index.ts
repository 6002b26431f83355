// Public face of analytics: the credit scorecard, segmentation (RFM, k-means) and claims analysis
// (loss ratio, cycle times, chain ladder, Bornhuetter–Ferguson), over the governed read path only
// (DESIGN.md "analytics").

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
export { type BornhuetterFergusonOrigin, bornhuetterFerguson } from './bornhuetter-ferguson.js';
export { type ChainLadder, chainLadder, developmentFactors, type OriginReserve } from './chain-ladder.js';
export {
  CLAIM_DIMENSIONS,
  type ClaimRow,
  type CycleTimes,
  cycleTimes,
  type LossRatioGroup,
  lossRatios,
  type PremiumRow,
} from './claims-experience.js';
export {
  type ClaimsFields,
  ClaimsService,
  type ClaimsSummary,
  type ClaimsSummaryRequest,
  DEFAULT_CLAIMS_FIELDS,
  type ReserveOptions,
  type ReserveRequest,
  type ReserveResult,
  reserveFromRows,
} from './claims-service.js';
export { type Clustering, chooseClusters, standardise } from './clustering.js';
export {
  type DerivedDataset,
  DerivedDatasetStore,
  type DerivedLineage,
  type DerivedRow,
  hashOf,
} from './derived-datasets.js';
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
export { type AnalyticsReadDeps, readForAnalysis } from './governed-read.js';
export { DEFAULT_K_ANONYMITY, isSuppressed, kAnonymityOf, suppressCounts } from './k-anonymity.js';
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
export { quantileScores, type RfmScores, type RfmValues, rfmScores } from './rfm.js';
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
export {
  SEGMENT_FEATURES,
  type SegmentationOptions,
  type SegmentationResult,
  type SegmentationSubject,
  type SegmentProfile,
  segment,
} from './segmentation.js';
export {
  type PublishedSegmentation,
  type SegmentationRequest,
  SegmentationService,
} from './segmentation-service.js';
export { buildTriangle, readTriangleCsv, type Triangle, type TriangleRow } from './triangle.js';
