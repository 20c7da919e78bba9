export type { AtomErrorDetails } from "./atom.js";
export type { BatchErrorDetails } from "./batch.js";
export type { ErrorDetailsByCode } from "./codes.js";
export type { DecodeErrorDetails } from "./decode.js";
export type { DefinitionErrorDetails } from "./definition.js";
export {
  type CodesMatching,
  DynatomError,
  type DynatomErrorOptions,
  type ErrorCode,
  isDynatomError,
} from "./dynatom-error.js";
export type { EncodingErrorDetails } from "./encoding.js";
export {
  AtomDestroyedError,
  BatchIncompleteError,
  DecodeError,
  DefinitionError,
  EncodingError,
  ItemTooLargeError,
  OutcomeUnknownError,
  SwapConflictError,
  TransactionError,
  ValidationError,
} from "./families.js";
export type { FilterErrorDetails } from "./filter.js";
export type { KvErrorDetails } from "./kv.js";
export type { LocalErrorDetails } from "./local.js";
export type { QueryErrorDetails } from "./query.js";
export type { SchemaErrorDetails } from "./schema.js";
export type { StoreErrorDetails } from "./store.js";
export type {
  TransactionErrorDetails,
  TransactionOperationFailure,
} from "./transaction.js";
export type { UpdateErrorDetails } from "./update.js";
