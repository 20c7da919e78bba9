/**
 * `npx tsx --conditions=dynatom-source bench/retry-defaults.ts`: how the default backoff was
 * chosen. Processes × handles swap one atom with each candidate (base, cap) of the full-jitter
 * backoff, interleaved, several rounds; prints goodput (swaps/s between the first start and the
 * last end) and conditional writes per swap. Not part of `npm run bench` (it takes minutes).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createStore } from "dynatom";
import { localClientConfig, startLocal } from "dynatom/local";
import { Counter } from "../test/helpers/atoms.js";
import { runSwappers } from "../test/helpers/swappers.js";

const CANDIDATES = [
  { baseDelayMs: 5, maxDelayMs: 1_000 },
  { baseDelayMs: 2, maxDelayMs: 200 },
  { baseDelayMs: 2, maxDelayMs: 50 },
  { baseDelayMs: 1, maxDelayMs: 20 },
] as const;
const SHAPES = [
  { processes: 4, handles: 4, count: 40 },
  { processes: 8, handles: 1, count: 40 },
] as const;
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const local = await startLocal();
const client = new DynamoDBClient(localClientConfig(local.endpoint));
try {
  const table = "retry-defaults";
  await createStore({ table, atoms: [Counter], client }).ensureTable();
  const rows: string[] = [];
  for (const shape of SHAPES) {
    const runs = new Map<string, { rate: number[]; perSwap: number[] }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const policy of CANDIDATES) {
        const label = `${policy.baseDelayMs}/${policy.maxDelayMs}`;
        const name = `r${round}-${label}-${shape.processes}x${shape.handles}`;
        const results = await runSwappers(shape.processes, {
          endpoint: local.endpoint,
          table,
          name,
          count: shape.count,
          handles: shape.handles,
          mode: "atom",
          maxAttempts: 10_000,
          ...policy,
        });
        const ops = results.flatMap((r) => r.ops as { start: number; end: number }[]);
        const span = Math.max(...ops.map((op) => op.end)) - Math.min(...ops.map((op) => op.start));
        const swaps = shape.processes * shape.handles * shape.count;
        const puts = results.reduce((sum, r) => sum + r.sent.put, 0);
        const entry = runs.get(label) ?? { rate: [], perSwap: [] };
        entry.rate.push((swaps / span) * 1000);
        entry.perSwap.push(puts / swaps);
        runs.set(label, entry);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    for (const [label, { rate, perSwap }] of runs) {
      rows.push(
        `| ${shape.processes} processes × ${shape.handles} handles | ${label} | ${median(rate).toFixed(0)} | ${median(perSwap).toFixed(2)} |`,
      );
    }
  }
  console.log("| shape | base/cap ms | swaps/s (median) | writes per swap |");
  console.log("| --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
} finally {
  client.destroy();
  await local.stop();
}
