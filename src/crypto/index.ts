// Public face of src/crypto: suites, envelope keys, blind index, signatures.
export {
  type CiphertextHeader,
  HAS_SM4_GCM,
  KEY_BYTES,
  type KeyRef,
  open,
  parseHeader,
  seal,
} from './aead.js';
export { blindIndex, IDENTIFIER_KINDS, type IdentifierKind, normaliseIdentifier } from './blind-index.js';
export { type CipherSuite, digest, digestOne, type HashAlgorithm, hashAlgorithmOf } from './hash.js';
export { type KekVersion, type KeyProvider, LocalKeyFileProvider } from './keyring.js';
export * from './signature.js';
