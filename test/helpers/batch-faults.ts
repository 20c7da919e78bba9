import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { seeded } from "./random.js";

type Item = Record<string, AttributeValue>;

export interface BatchFaults {
  /** Keys (`pk|sk`) DynamoDB was made to leave unprocessed, one entry per time. */
  readonly withheld: string[];
  /** For each request that went out: the keys it carried. */
  readonly requests: string[][];
}

export interface BatchFaultOptions {
  /** The share of each request's keys to leave unprocessed, at random. */
  readonly rate?: number;
  readonly seed?: number;
  /** Keys that are left unprocessed every time: a permanent failure. */
  readonly always?: (key: Item) => boolean;
}

/** `pk|sk` of a key or item. */
export const keyString = (key: Item) => `${key.pk?.S}|${key.sk?.S}`;

/**
 * Makes the real DynamoDB Local answer batches in part, as real DynamoDB does under load: an SDK
 * middleware takes some keys out of each BatchGetItem / BatchWriteItem before it is sent and
 * returns them as `UnprocessedKeys` / `UnprocessedItems`. What is withheld is never sent, so it
 * is really not read or written.
 */
export function partialBatches(client: DynamoDBClient, options: BatchFaultOptions): BatchFaults {
  const next01 = seeded(options.seed ?? 1);
  const faults: BatchFaults = { withheld: [], requests: [] };
  const withhold = (key: Item) => options.always?.(key) === true || next01() < (options.rate ?? 0);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        RequestItems?: Record<
          string,
          { Keys?: Item[] } | { PutRequest?: { Item?: Item }; DeleteRequest?: { Key?: Item } }[]
        >;
      };
      const [table, request] = Object.entries(input.RequestItems ?? {})[0] ?? [];
      if (table === undefined || request === undefined) return next(args);
      if (context.commandName === "BatchGetItemCommand" && !Array.isArray(request)) {
        const keys = request.Keys ?? [];
        const kept = keys.filter((key) => !withhold(key));
        const held = keys.filter((key) => !kept.includes(key));
        faults.withheld.push(...held.map(keyString));
        faults.requests.push(kept.map(keyString));
        const result =
          kept.length > 0
            ? await next({
                ...args,
                input: { ...input, RequestItems: { [table]: { ...request, Keys: kept } } },
              })
            : { output: { Responses: { [table]: [] }, $metadata: {} }, response: {} };
        const output = result.output as { UnprocessedKeys?: Record<string, { Keys?: Item[] }> };
        if (held.length > 0) {
          const already = output.UnprocessedKeys?.[table]?.Keys ?? [];
          output.UnprocessedKeys = { [table]: { ...request, Keys: [...already, ...held] } };
        }
        return result;
      }
      if (context.commandName === "BatchWriteItemCommand" && Array.isArray(request)) {
        const keyOf = (r: (typeof request)[number]) =>
          r.PutRequest?.Item ?? r.DeleteRequest?.Key ?? {};
        const kept = request.filter((r) => !withhold(keyOf(r)));
        const held = request.filter((r) => !kept.includes(r));
        faults.withheld.push(...held.map((r) => keyString(keyOf(r))));
        faults.requests.push(kept.map((r) => keyString(keyOf(r))));
        const result =
          kept.length > 0
            ? await next({ ...args, input: { ...input, RequestItems: { [table]: kept } } })
            : { output: { $metadata: {} }, response: {} };
        const output = result.output as { UnprocessedItems?: Record<string, unknown[]> };
        if (held.length > 0) {
          output.UnprocessedItems = {
            [table]: [...(output.UnprocessedItems?.[table] ?? []), ...held],
          };
        }
        return result;
      }
      return next(args);
    },
    { step: "initialize", name: `partialBatches${Math.random()}` },
  );
  return faults;
}
