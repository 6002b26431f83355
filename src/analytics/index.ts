// Public face of analytics: segmentation (RFM, k-means) and claims analysis (loss ratio, cycle
// times, chain ladder, Bornhuetter–Ferguson), over the governed read path only.

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
export { type AnalyticsReadDeps, readForAnalysis } from './governed-read.js';
export { DEFAULT_K_ANONYMITY, isSuppressed, kAnonymityOf, suppressCounts } from './k-anonymity.js';
export { quantileScores, type RfmScores, type RfmValues, rfmScores } from './rfm.js';
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
