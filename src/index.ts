/**
 * dynatom: durable, typed, Clojure-style atoms on DynamoDB.
 * @module
 */

// The stored format
export {
  assertItemSize,
  compareUtf8,
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
  type CodesMatching,
  DecodeError,
  type DecodeErrorDetails,
  DynatomError,
  type DynatomErrorOptions,
  EncodingError,
  type EncodingErrorDetails,
  type ErrorCode,
  type ErrorDetailsByCode,
  ItemTooLargeError,
  isDynatomError,
  type LocalErrorDetails,
} from "./errors/index.js";
