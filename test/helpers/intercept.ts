// Deterministic interleavings for tests: a hook around every request of a real SDK client, and
// promises resolved from outside to hold a request until the test lets it go.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";

export type Next = () => Promise<{ output: unknown }>;
export type Hook = (
  name: string,
  input: Record<string, unknown>,
  next: Next,
) => Promise<{ output: unknown }>;

/** Runs `hook` around every request of `client` (`name` is the command's, e.g. "QueryCommand"). */
export function intercept(
  client: DynamoDBClient | DynamoDBStreamsClient,
  hook: Hook,
  name: string,
): void {
  (client.middlewareStack as { add(m: unknown, o: unknown): void }).add(
    ((next: (args: { input: object }) => Promise<{ output: unknown }>, context: object) =>
      async (args: { input: object }) =>
        hook(
          (context as { commandName?: string }).commandName ?? "",
          args.input as Record<string, unknown>,
          () => next(args),
        )) as never,
    { step: "initialize", priority: "low", name },
  );
}

/** A promise and the function that resolves it. */
export function deferred<T = void>() {
  let resolve: (v: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
