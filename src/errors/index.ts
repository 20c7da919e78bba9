export type { ErrorDetailsByCode } from "./codes.js";
export {
  type CodesMatching,
  DynatomError,
  type DynatomErrorOptions,
  type ErrorCode,
  isDynatomError,
} from "./dynatom-error.js";
export type { LocalErrorDetails } from "./local.js";
