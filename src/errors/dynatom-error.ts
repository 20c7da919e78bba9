import type { ErrorDetailsByCode } from "./codes.js";

/** Every stable error code dynatom throws, e.g. `"local.java-missing"`. */
export type ErrorCode = keyof ErrorDetailsByCode & string;

/** The codes selected by an exact code or a dotted prefix such as `"local"` or `"local."`. */
export type CodesMatching<P extends string> = Extract<
  ErrorCode,
  P | `${P extends `${infer Head}.` ? Head : P}.${string}`
>;

/** What every dynatom error may carry besides its code and message. */
export interface DynatomErrorOptions<C extends ErrorCode> {
  readonly details: ErrorDetailsByCode[C];
  /** True when the same call may succeed if simply tried again later. */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/**
 * The one error type of dynatom. `code` is stable across releases and dotted by family
 * (`local.*`, `encoding.*`, …); `details` is typed by the code; `cause` keeps the original
 * error from the AWS SDK, ElectroDB or the OS.
 *
 * @example
 * try { await startLocal(); } catch (err) {
 *   if (isDynatomError(err, "local.java-missing")) console.error(err.message);
 *   else throw err;
 * }
 */
export class DynatomError<C extends ErrorCode = ErrorCode> extends Error {
  override name = "DynatomError";
  readonly code: C;
  readonly retryable: boolean;
  readonly details: ErrorDetailsByCode[C];

  constructor(code: C, message: string, options: DynatomErrorOptions<C>) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/**
 * Narrows an unknown error to a `DynatomError`, optionally of one code or of a code family.
 * `"local"` and `"local."` both match `"local.java-missing"`; a full code matches only itself.
 *
 * @example
 * if (isDynatomError(err, "local")) console.log(err.code); // "local.java-missing" | "local.port-busy" | …
 */
export function isDynatomError<P extends string = ErrorCode>(
  err: unknown,
  codeOrPrefix?: P,
): err is DynatomError<CodesMatching<P>> {
  if (!(err instanceof DynatomError)) return false;
  if (codeOrPrefix === undefined) return true;
  const family = codeOrPrefix.endsWith(".") ? codeOrPrefix : `${codeOrPrefix}.`;
  return err.code === codeOrPrefix || err.code.startsWith(family);
}
