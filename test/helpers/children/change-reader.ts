/**
 * A reader of a change-feed group for the group tests: prints `{"ready":true}` once it reads,
 * then one JSON line per change it is handed (`{"id":"counter:x","n":3,"seq":"…"}`), before it
 * asks for the next. SIGTERM ends its loop (acknowledging the last change); SIGKILL is a crash.
 */
import { createStore } from "dynatom";
import { Counter } from "../atoms.js";

const [endpoint, table, group, leaseMs] = process.argv.slice(2) as [string, string, string, string];
const store = createStore({ table, atoms: [Counter], endpoint });
const abort = new AbortController();
process.on("SIGTERM", () => abort.abort());
const feed = store.changes({
  atoms: [Counter],
  from: "trim-horizon",
  group,
  leaseMs: Number(leaseMs),
  checkpointEveryMs: 200,
  signal: abort.signal,
});
await feed.ready();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for await (const change of feed) {
  const line = { id: change.key.name, n: change.new?.n, seq: change.sequence, pid: process.pid };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
await store.close();
process.stdout.write(`${JSON.stringify({ ended: true })}\n`);
