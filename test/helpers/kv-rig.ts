// The attack tests' rig for the key-value facade: a store on its own client (no SDK retries)
// whose every request passes a hook the test sets, and the faults it injects.
import { type AttributeValue, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { ExecutionContext } from "ava";
import { createStore, type KeyValue } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { type Hook, intercept } from "./intercept.js";
import { answered } from "./sdk-errors.js";

export interface Rig {
  store: { kv(namespace: string): KeyValue; close(): Promise<void> };
  client: DynamoDBClient;
  /** Every command sent, by name, in order. */
  sent: string[];
  /** The hook requests go through (defaults to passing them on). */
  hook: Hook | undefined;
}

export interface RigOptions {
  readonly retry?: Record<string, number>;
  readonly requestTimeoutMs?: number;
}

/** A store on `table` with its own client, every request seen by `rig.hook`; closed after `t`. */
export function kvRig(
  t: ExecutionContext,
  endpoint: string,
  table: string,
  options: RigOptions = {},
): Rig {
  const client = new DynamoDBClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
  const r: Rig = { store: undefined as never, client, sent: [], hook: undefined };
  intercept(
    client,
    async (name, input, next) => {
      r.sent.push(name);
      return r.hook === undefined ? next() : r.hook(name, input, next);
    },
    "kvRig",
  );
  r.store = createStore({
    table,
    atoms: [],
    client,
    // A long deadline: what a test checks must not depend on how loaded the machine is.
    retry: { baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 120_000, ...(options.retry ?? {}) },
    ...(options.requestTimeoutMs === undefined
      ? {}
      : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  t.teardown(async () => {
    await r.store.close();
    client.destroy();
  });
  return r;
}

let nsCounter = 0;
/** A namespace no other test uses. */
export const freshNs = (label: string) =>
  `${label}-${++nsCounter}-${Math.random().toString(36).slice(2, 7)}`;

/** The error an answer lost after the request was carried out looks like. */
export const lost = () =>
  Object.assign(new Error("socket hang up (injected)"), { name: "TimeoutError" });
export const throttled = () => answered("ProvisionedThroughputExceededException", 400);
export const codeOf = (e: unknown) => (e as { code?: unknown } | undefined)?.code;

/**
 * A hook on one command: its first (matching) request is carried out and its answer lost, the
 * next `throttles` are throttled, the rest pass. `sent()` counts the requests of that command.
 */
export function lostThenThrottled(
  command: string,
  throttles: number,
  match: (input: Record<string, unknown>) => boolean = () => true,
) {
  let sent = 0;
  const hook: Hook = async (name, input, next) => {
    if (name !== command || !match(input)) return next();
    sent++;
    if (sent === 1) {
      await next();
      throw lost();
    }
    if (sent <= 1 + throttles) throw throttled();
    return next();
  };
  return { hook, sent: () => sent };
}

/** The value, or a failure naming what was missing. */
export function must<T>(value: T | undefined | null, what = "a value"): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}`);
  return value;
}

/** Every raw item of a (small) table whose sort key starts with `skPrefix`: a full scan. */
export async function rawItems(
  client: DynamoDBClient,
  table: string,
  skPrefix: string,
): Promise<Record<string, AttributeValue>[]> {
  const out: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) if (item.sk?.S?.startsWith(skPrefix)) out.push(item);
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out;
}
