// Public face of src/sources: the Source contract, the registry of connectors, the egress guard.
export { type ApiSettings, apiConnector, hmacStringToSign } from './api/connector.js';
export { type DatabaseSettings, databaseConnector } from './database/connector.js';
export { EgressGuard, type EgressPolicy, isPrivateAddress } from './egress.js';
export { type FileSettings, fileConnector } from './file/connector.js';
export { HttpClient, type HttpClientOptions } from './http.js';
export { connectorSettings, connectors, openSource, validateSourceSettings } from './registry.js';
export { resolveSecret, secretRef } from './secrets.js';
export {
  listSources,
  SOURCE_SORT_KEYS,
  type SourceListOptions,
  type SourceSortKey,
  type SourceSummary,
} from './source-list.js';
export type * from './types.js';
