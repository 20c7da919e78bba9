/**
 * dynatom: durable, typed, Clojure-style atoms on DynamoDB.
 * @module
 */

// Declaring atoms and opening a store
export { Atom, type AtomOptions, type WatchFn } from "./atom/atom.js";
export type { ValueAt } from "./atom/path.js";
export type { BatchWriteOptions, FindOptions } from "./batch/options.js";
export type { ChangeFeed } from "./changes/feed.js";
export { decodeStreamRecord } from "./changes/record.js";
export type {
  Change,
  ChangeOf,
  ChangesOptions,
  ChangeType,
  Gap,
  StreamAttributeValue,
  StreamRecord,
} from "./changes/types.js";
export type { RemoteWatch, RemoteWatchFn, RemoteWatchOptions } from "./changes/watch-remote.js";
export { createStore, type Store, type StoreOptions } from "./create-store.js";
// The stored format
export {
  assertItemSize,
  compareUtf8,
  type DecodeOptions,
  decodeItem,
  encodeItem,
  FORMAT_VERSION,
  type Indexable,
  indexForm,
  itemSize,
  type JsonValue,
  MAX_DEPTH,
  MAX_ITEM_BYTES,
  NOTE_ATTRIBUTE,
  registerClass,
  registerCustom,
  toDynamoJson,
} from "./encoding/index.js";
// Errors
export {
  AtomDestroyedError,
  type AtomErrorDetails,
  type BatchErrorDetails,
  BatchIncompleteError,
  type CodesMatching,
  DecodeError,
  type DecodeErrorDetails,
  DefinitionError,
  type DefinitionErrorDetails,
  DynatomError,
  type DynatomErrorOptions,
  EncodingError,
  type EncodingErrorDetails,
  type ErrorCode,
  type ErrorDetailsByCode,
  ItemTooLargeError,
  isDynatomError,
  type KvErrorDetails,
  type LocalErrorDetails,
  type QueryErrorDetails,
  type SchemaErrorDetails,
  type StoreErrorDetails,
  SwapConflictError,
  TransactionError,
  type TransactionErrorDetails,
  type TransactionOperationFailure,
  ValidationError,
} from "./errors/index.js";
export type { ClientOptions } from "./executor/client.js";
export type { RetryOptions } from "./executor/policy.js";
export type { Orderable, Where, WhereFields, WhereFn, WhereOps } from "./filter/where.js";
export type {
  Blob,
  BlobInfo,
  BlobInput,
  BlobOptions,
  KeyInfo,
  KeyPage,
  KeyValue,
  KvDeleteOptions,
  KvEntry,
  KvPath,
  KvPutOptions,
  KvSetOptions,
  ListOptions,
  ListPageOptions,
  LogEntry,
  LogOptions,
} from "./kv/kv.js";
export type {
  AtomQueries,
  IndexQuery,
  Page,
  QueryOptions,
  RunnableQuery,
  SortCondition,
  StringSortCondition,
} from "./query/types.js";
export type { BackfillOptions, BackfillProgress, BackfillResult } from "./scan/backfill.js";
export type { ScanOptions, ScanPage } from "./scan/scan.js";
export type { FieldKind } from "./schema/introspect.js";
export { compositeForm } from "./schema/keys.js";
export type {
  AtomDefinition,
  AtomKey,
  AtomSchema,
  AtomSpec,
  IndexName,
  IndexPartition,
  IndexSort,
  IndexSpec,
  InferAtom,
  InferAtomInput,
  KeySpec,
  MigrationStep,
  Registered,
  SwapResult,
  UnregisteredAtom,
} from "./schema/types.js";
export { type AtomType, defineAtom } from "./store/define-atom.js";
export type { AtomEntity } from "./store/entity.js";
export type { EnsureTableOptions } from "./store/table.js";
export type { Tx, TxOp } from "./transact/ops.js";
export type { TransactOptions, TxResults } from "./transact/transact.js";
export type {
  AddFields,
  AppendFields,
  OptionalField,
  SetFields,
  UpdateBuilder,
} from "./update/builder.js";
