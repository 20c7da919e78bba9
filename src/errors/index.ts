export type { ErrorDetailsByCode } from "./codes.js";
export type { DecodeErrorDetails } from "./decode.js";
export {
  type CodesMatching,
  DynatomError,
  type DynatomErrorOptions,
  type ErrorCode,
  isDynatomError,
} from "./dynatom-error.js";
export type { EncodingErrorDetails } from "./encoding.js";
export { DecodeError, EncodingError, ItemTooLargeError } from "./families.js";
export type { LocalErrorDetails } from "./local.js";
