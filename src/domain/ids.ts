// Branded identifiers: a SubjectId can never be passed where a DatasetId is expected.

declare const brand: unique symbol;

export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type UserId = Brand<string, 'UserId'>;
export type TokenId = Brand<string, 'TokenId'>;
export type SessionId = Brand<string, 'SessionId'>;
export type SubjectId = Brand<string, 'SubjectId'>;
export type DatasetId = Brand<string, 'DatasetId'>;
export type SourceId = Brand<string, 'SourceId'>;
export type RunId = Brand<string, 'RunId'>;
