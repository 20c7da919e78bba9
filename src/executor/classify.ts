import { DynatomError } from "../errors/index.js";

interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: { readonly throttling?: boolean };
}

/**
 * What one failed request tells about its outcome, and so what to do next:
 * - `conflict`: a condition was false; nothing applied.
 * - `throttled`, `busy` (the item is held by a running transaction), `unreachable` (no
 *   connection was made): nothing applied; the same request may be sent again.
 * - `definite`: refused (a 4xx answer, or an error raised before sending, such as missing
 *   credentials); nothing applied, and sending it again would be refused again.
 * - `unknown`: it may have applied (a 5xx answer, a timeout or a reset after sending).
 */
export type Failure = "conflict" | "throttled" | "busy" | "unreachable" | "definite" | "unknown";

const THROTTLED = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);

// Errors of the connect phase: the request never left this process.
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** Whether a network error proves that no byte of the request reached the server. */
export function beforeConnect(err: unknown): boolean {
  const e = (typeof err === "object" && err !== null ? err : {}) as SdkError;
  return (
    CONNECT_CODES.has(e.code as string) ||
    /without establishing a connection/i.test(e.message ?? "")
  );
}

/**
 * Classifies a failed request. `dispatched` says whether it reached the HTTP handler: whatever
 * failed before that (credentials, signing, a middleware) sent nothing.
 */
export function classify(err: unknown, dispatched: boolean): Failure {
  const e = (typeof err === "object" && err !== null ? err : {}) as SdkError;
  const name = e.name ?? "";
  if (name === "ConditionalCheckFailedException") return "conflict";
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLED.has(name) || status === 429 || e.$retryable?.throttling === true) {
    return "throttled";
  }
  if (name === "TransactionConflictException") return "busy";
  // Another request with the same ClientRequestToken is still running: it may yet commit.
  if (name === "TransactionInProgressException") return "unknown";
  if (beforeConnect(err)) return "unreachable";
  if (status !== undefined && status >= 400 && status < 500) return "definite";
  if (!dispatched) {
    // Never handed to the HTTP handler: nothing was sent. An error of its own (no
    // credentials, signing) would fail again; anything else (a middleware's) may pass next time.
    const transient =
      typeof e.code === "string" || name === "TimeoutError" || name === "AbortError";
    return status === undefined && !transient ? "definite" : "unreachable";
  }
  return "unknown";
}

/** Failures after which the very same request may simply be sent again. */
export function worthRetrying(failure: Failure): boolean {
  return failure === "throttled" || failure === "busy" || failure === "unreachable";
}

/** Turns a failed request into a DynatomError, keeping the SDK's error as `cause`. */
export function requestFailed(
  err: unknown,
  operation: string,
  table: string,
  failure: Failure = classify(err, true),
): DynatomError {
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
  return new DynatomError(
    "store.request-failed",
    `${operation} on table "${table}" failed: ${sdk.name ?? "Error"}: ${sdk.message ?? String(err)}`,
    {
      details: { operation, table },
      retryable: failure !== "definite" && failure !== "conflict",
      cause: err,
    },
  );
}
