/**
 * A worker process for the kv attack on array indexes: sets `{ list: [1, 2] }` under one key,
 * then `assocIn(key, ["list", index], "y")`, and prints one JSON line: what the call returned,
 * or the error's code and message. Run in its own process, as a call that exhausts memory
 * aborts the whole process.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createStore } from "dynatom";
import { localClientConfig } from "dynatom/local";

interface SparseArgs {
  readonly endpoint: string;
  readonly table: string;
  readonly namespace: string;
  readonly index: number;
  /** "assocIn" (default), or "set": set a sparse array `[1, 2]` with "y" at `index` directly. */
  readonly mode?: "assocIn" | "set";
}

const args = JSON.parse(process.argv[2] ?? "{}") as SparseArgs;
const client = new DynamoDBClient({ ...localClientConfig(args.endpoint), maxAttempts: 1 });
const store = createStore({ table: args.table, atoms: [], client });
const kv = store.kv(args.namespace);
await kv.set("k", { list: [1, 2] });
let line: object;
try {
  let result: unknown;
  if (args.mode === "set") {
    const list: unknown[] = [1, 2];
    list[args.index] = "y";
    result = await kv.set("k", { list });
  } else result = await kv.assocIn("k", ["list", args.index], "y");
  line = { ok: true, result: JSON.stringify(result) };
} catch (error) {
  line = {
    ok: false,
    code: (error as { code?: unknown }).code ?? null,
    message: String(error).slice(0, 300),
  };
}
const value = (await kv.get("k")) as { list: unknown[] } | undefined;
process.stdout.write(`${JSON.stringify({ ...line, length: value?.list.length ?? null })}\n`);
await store.close();
client.destroy();
