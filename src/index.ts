/**
 * dynatom: durable, typed, Clojure-style atoms on DynamoDB.
 * @module
 */

// Errors
export {
  type CodesMatching,
  DynatomError,
  type DynatomErrorOptions,
  type ErrorCode,
  type ErrorDetailsByCode,
  isDynatomError,
  type LocalErrorDetails,
} from "./errors/index.js";
