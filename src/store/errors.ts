import { DynatomError } from "../errors/index.js";

interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly $fault?: string;
  readonly $retryable?: unknown;
}

const RETRYABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TransactionConflictException",
  "TimeoutError",
]);

// Network failures: trying again may well succeed (ECONNREFUSED proves nothing was sent).
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]);

/** Turns an error from the AWS SDK (or the network) into a DynatomError, keeping it as `cause`. */
export function requestFailed(err: unknown, operation: string, table: string): DynatomError {
  if (err instanceof DynatomError) return err;
  const sdk = (typeof err === "object" && err !== null ? err : {}) as SdkError;
  if (sdk.name === "ResourceNotFoundException") {
    return new DynatomError(
      "store.table-missing",
      `The table "${table}" does not exist (${operation}). Call \`await store.ensureTable()\` ` +
        "once to create it, or check the table name, region and endpoint.",
      { details: { table }, cause: err },
    );
  }
  const retryable =
    sdk.$retryable !== undefined ||
    sdk.$fault === "server" ||
    RETRYABLE.has(sdk.name ?? "") ||
    NETWORK_CODES.has((err as { code?: unknown } | null)?.code as string);
  return new DynatomError(
    "store.request-failed",
    `${operation} on table "${table}" failed: ${sdk.name ?? "Error"}: ${sdk.message ?? String(err)}`,
    { details: { operation, table }, retryable, cause: err },
  );
}

/** What a failed request tells about its outcome. */
export type Failure = "conflict" | "throttled" | "unknown" | "definite";

const THROTTLED = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);

/**
 * Whether a failed request may have been applied: network errors, timeouts and 5xx answers
 * leave the outcome unknown; a 4xx answer is definite.
 */
export function classify(err: unknown): Failure {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === "ConditionalCheckFailedException") return "conflict";
  if (THROTTLED.has(e.name ?? "")) return "throttled";
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined || status >= 500) return "unknown";
  return "definite";
}

/**
 * Whether an earlier attempt may hide behind this error: the SDK made more than one attempt, so
 * one before the last may have applied, whatever the last one answered (throttling included).
 */
export function afterSeveralAttempts(err: unknown): boolean {
  return ((err as { $metadata?: { attempts?: number } } | null)?.$metadata?.attempts ?? 1) > 1;
}
