// Public face of src/classify: pure detectors, field classifier, masking, synthetic data.
export * from './card-issuers.js';
export * from './checksums.js';
export { countRawMatches, type Detection, detectValue, type Evidence, scanText } from './detectors.js';
export { evaluate, type TypeScore } from './evaluate.js';
export { entityTypeForFieldName, FIELD_NAMES, normaliseFieldName } from './field-names.js';
export { type ClassifyOptions, classifyField, classifyFields, type FieldClassification } from './fields.js';
export { defaultMaskFor, generalise, type MaskOperator, mask, maskText, maskValue } from './masking.js';
export { COMPOUND_SURNAMES, looksLikeLatinName, SURNAMES } from './names.js';
export {
  createRandom,
  type Label,
  type LabelledText,
  type NameLists,
  RECORD_TRUTH,
  Synthetic,
} from './synthetic.js';
