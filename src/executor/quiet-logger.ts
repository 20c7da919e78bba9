import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";

type Logger = NonNullable<DynamoDBClientConfig["logger"]>;

/**
 * A logger like the SDK's default, which does nothing, but without `info` and `error`: having
 * them, the SDK copies every request's input and answer through their schemas for the logger
 * (`logger?.info?.({ input: filter(input), … })` evaluates its argument), 3–4% of an atom's
 * write and more for a batch of items. They are only ever called guarded that way; `debug` and
 * `warn` are called unguarded, so they stay. The class keeps the default's name because the SDK
 * tests for it (`constructor.name === "NoOpLogger"`) to print its own warnings to the console
 * (several credential sources, a full socket pool) instead of to the logger: they still print.
 */
class NoOpLogger {
  debug(): void {}
  warn(): void {}
}

export const QUIET = new NoOpLogger() as unknown as Logger;

/**
 * Whether a client's logger is the SDK's default, which discards everything: then the copies
 * its requests make for it are skipped ({@link uncopied}). A logger of the user's keeps every line.
 */
export function discards(logger: unknown): boolean {
  return (
    logger !== QUIET &&
    typeof logger === "object" &&
    logger !== null &&
    (logger as { constructor?: { name?: unknown } }).constructor?.name === "NoOpLogger"
  );
}

/** What a log entry holds instead of a request or answer nobody reads. */
const NOT_COPIED = "(not copied: the client's logger discards it)";

/**
 * Replaces, in one request's context, the functions the SDK runs to copy its input and answer
 * for the logger, with ones that copy nothing. The logger itself stays: a middleware of the
 * user's may call any of its methods.
 */
export function uncopied(context: Record<string, unknown>): void {
  context.inputFilterSensitiveLog = () => NOT_COPIED;
  context.outputFilterSensitiveLog = () => NOT_COPIED;
}
