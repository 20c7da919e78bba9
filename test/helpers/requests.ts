import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * Records the name of every command the client sends (e.g. "GetItemCommand"), through an SDK
 * middleware on the real client: what a test counts is what went over the wire.
 */
export function recordRequests(client: DynamoDBClient): { readonly sent: string[]; clear(): void } {
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: "initialize", name: `recordRequests${Math.random()}` },
  );
  return { sent, clear: () => sent.splice(0) };
}

/** Records the input of every command the client sends, as sent (a shallow copy). */
export function recordInputs(client: DynamoDBClient): Record<string, unknown>[] {
  const sent: Record<string, unknown>[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      sent.push({ ...(args.input as Record<string, unknown>) });
      return next(args);
    },
    { step: "initialize", name: `recordInputs${Math.random()}` },
  );
  return sent;
}
