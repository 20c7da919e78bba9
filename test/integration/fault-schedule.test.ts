// A seeded schedule of faults (lost answers, throttling, 500s before and after commit, stalls,
// late answers, a delete and re-create behind a lost answer) under concurrent swap,
// compareAndSet and transactions on shared counters, and under reset, putItems, deleteItems
// and reads on shared registers: every history must be linearizable.
// `npm test` runs a short schedule; `npm run soak` (DYNATOM_SOAK=1) runs long ones.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { type Atom, BatchIncompleteError, createStore, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { Counter, Register } from "../helpers/atoms.js";
import { FAULT_KINDS, injectFaultSchedule, seeded } from "../helpers/fault-schedule.js";
import { checkCounterHistory, now, type Op } from "../helpers/linearizable.js";
import { checkRegisters, type RegisterOp } from "../helpers/linearizable-register.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
const SOAK = process.env.DYNATOM_SOAK === "1";
const WORKERS = 4;
const OPS = SOAK ? 250 : 30;
const SEEDS = process.env.DYNATOM_SEED
  ? process.env.DYNATOM_SEED.split(",").map(Number)
  : SOAK
    ? [1, 2, 3, 4, 5, 6, 7, 8]
    : [20261202];
const KEYS = ["a", "b"] as const;

type CounterValue = { name: string; n: number };

/** How an operation that adds to a counter ended, as its caller must take it. */
function outcome(err: unknown): false | "unknown" {
  return isDynatomError(err, "atom.outcome-unknown") ||
    isDynatomError(err, "transaction.outcome-unknown")
    ? "unknown"
    : false;
}

/** Adds `delta` unless the counter is absent (deleted and not yet made again): nothing then. */
function plus(delta: number) {
  return (c: CounterValue | undefined): CounterValue => {
    if (c === undefined) throw new Error("absent for a moment: not counted");
    return { ...c, n: c.n + delta };
  };
}

const REGISTERS = ["r0", "r1", "r2"] as const;
// The re-create writes a value again, out of the register histories' sight: counters only.
const REGISTER_FAULTS = FAULT_KINDS.filter((kind) => kind !== "recreate-after-commit");

/** A store of one atom type whose client gets the seeded faults; half keep the SDK's retries. */
function faultyStore<D extends typeof Counter | typeof Register>(
  table: string,
  seed: number,
  id: number,
  atom: D,
) {
  const raw = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  // Half the workers keep the SDK's own retries, as a client of your own may.
  const client = new DynamoDBClient({
    ...localClientConfig(dynamo().endpoint),
    ...(id % 2 === 0 ? { maxAttempts: 1 } : {}),
  });
  const { counts, quiet } = injectFaultSchedule(client, {
    seed,
    rate: 0.2,
    table,
    raw,
    stallMs: 400,
    recreate: (item) => atom.encode(atom.decode(item) as never),
    ...(atom === Counter ? {} : { kinds: REGISTER_FAULTS }),
  });
  const store = createStore({
    table,
    atoms: [atom],
    client,
    requestTimeoutMs: 250,
    retry: { baseDelayMs: 2, maxDelayMs: 50, deadlineMs: 8_000 },
  });
  const close = async () => {
    await quiet();
    client.destroy();
    raw.destroy();
  };
  return { store, counts, close };
}

async function worker(
  table: string,
  seed: number,
  id: number,
  histories: Record<string, Op[]>,
): Promise<Record<string, number>> {
  const { store, counts, close } = faultyStore(table, seed * 100 + id, id, Counter);
  const next01 = seeded(seed * 1000 + id);
  const atoms = Object.fromEntries(
    KEYS.map((k) => [k, store.atom(Counter, { name: k })]),
  ) as Record<(typeof KEYS)[number], Atom<CounterValue | undefined>>;
  // Who did what, and why it failed, ride along for a failing test's dump.
  const add = (key: string, start: number, delta: number, ok: boolean | "unknown", err?: unknown) =>
    histories[key]?.push({
      kind: "add",
      start,
      end: now(),
      delta,
      ok,
      worker: id,
      ...(err === undefined ? {} : { error: String(err) }),
    } as Op);
  try {
    for (let i = 0; i < OPS; i++) {
      const key = KEYS[Math.floor(next01() * KEYS.length)] as (typeof KEYS)[number];
      const other = key === "a" ? "b" : "a";
      const delta = 1 + Math.floor(next01() * 3);
      const pick = next01();
      const start = now();
      if (pick < 0.2) {
        try {
          const value = await atoms[key].deref();
          if (value !== undefined)
            histories[key]?.push({ kind: "read", start, end: now(), value: value.n });
        } catch {}
      } else if (pick < 0.55) {
        try {
          await atoms[key].swap(plus(delta));
          add(key, start, delta, true);
        } catch (err) {
          add(key, start, delta, outcome(err), err);
        }
      } else if (pick < 0.75) {
        let old: CounterValue | undefined;
        try {
          old = await atoms[key].deref();
        } catch {}
        if (old === undefined) continue;
        const casStart = now();
        try {
          const done = await atoms[key].compareAndSet(old, { ...old, n: old.n + delta });
          add(key, casStart, delta, done);
        } catch (err) {
          add(key, casStart, delta, outcome(err), err);
        }
      } else {
        try {
          await store.transact((tx) => [
            tx.swap(atoms[key], plus(delta)),
            tx.swap(atoms[other], plus(-delta)),
          ]);
          add(key, start, delta, true);
          add(other, start, -delta, true);
        } catch (err) {
          add(key, start, delta, outcome(err), err);
          add(other, start, -delta, outcome(err), err);
        }
      }
    }
  } finally {
    await close();
  }
  return counts;
}

for (const [run, seed] of SEEDS.entries()) {
  test(`run ${run + 1}, seed ${seed}: ${WORKERS} writers under faults, every counter history is linearizable`, async (t) => {
    t.timeout(SOAK ? 600_000 : 120_000);
    const table = dynamo().tableName(`faults${run}`);
    const setup = createStore({ table, atoms: [Counter], client: dynamo().client });
    await setup.ensureTable({ stream: false });
    for (const name of KEYS) await setup.atom(Counter, { name }).reset({ name, n: 0 });
    const histories: Record<string, Op[]> = Object.fromEntries(KEYS.map((k) => [k, []]));
    const counts = await Promise.all(
      Array.from({ length: WORKERS }, (_, id) => worker(table, seed, id, histories)),
    );
    const injected: Record<string, number> = {};
    for (const c of counts)
      for (const [k, v] of Object.entries(c)) injected[k] = (injected[k] ?? 0) + v;
    t.log(`faults injected: ${JSON.stringify(injected)}`);
    for (const name of KEYS) {
      const final = (await setup.atom(Counter, { name }).deref())?.n ?? Number.NaN;
      const history = histories[name] ?? [];
      const unknown = history.filter((op) => op.kind === "add" && op.ok === "unknown").length;
      t.log(`${name}: ${history.length} operations, ${unknown} of unknown outcome, final ${final}`);
      const verdict = Number.isSafeInteger(final)
        ? checkCounterHistory(history, 0, final)
        : { linearizable: false, reason: "the counter is gone" };
      if (!verdict.linearizable) {
        const file = join(tmpdir(), `dynatom-history-${seed}-${name}-${Date.now()}.json`);
        writeFileSync(file, JSON.stringify({ final, history }));
        t.log(`history written to ${file}`);
      }
      t.true(verdict.linearizable, `${name}: ${verdict.reason ?? ""} (seed ${seed})`);
    }
    t.true(Object.values(injected).reduce((a, b) => a + b, 0) > 0, "no fault was injected");
  });
}

/** How a batch call ended for one of its keys. */
function batchOutcome(err: unknown, name: string): boolean | "unknown" {
  if (!(err instanceof BatchIncompleteError)) return false;
  const listed = (list: readonly Readonly<Record<string, unknown>>[]) =>
    list.some((key) => key.name === name);
  if (listed(err.details.unknown)) return "unknown";
  return !listed(err.details.failed);
}

async function registerWorker(
  table: string,
  seed: number,
  id: number,
  histories: Map<string, RegisterOp[]>,
) {
  const { store, counts, close } = faultyStore(table, seed * 100 + id + 50, id, Register);
  const next01 = seeded(seed * 1000 + id + 500);
  const push = (name: string, op: RegisterOp) => histories.get(name)?.push(op);
  try {
    for (let i = 0; i < OPS; i++) {
      const name = REGISTERS[Math.floor(next01() * REGISTERS.length)] as string;
      const value = `${id}-${i}`;
      const pick = next01();
      const start = now();
      const label = `w${id}#${i}`;
      if (pick < 0.3) {
        try {
          const found = await store.findItems(Register, [{ name }]);
          push(name, { kind: "read", start, end: now(), value: found[0]?.v ?? null, label });
        } catch {}
      } else if (pick < 0.55) {
        try {
          await store.atom(Register, { name }).reset({ name, v: value });
          push(name, { kind: "write", start, end: now(), value, ok: true, label });
        } catch (err) {
          const ok = isDynatomError(err, "atom.outcome-unknown") ? "unknown" : false;
          push(name, { kind: "write", start, end: now(), value, ok, label });
        }
      } else if (pick < 0.85) {
        let outcome: boolean | "unknown" = true;
        try {
          await store.putItems(Register, [{ name, v: value }]);
        } catch (err) {
          outcome = batchOutcome(err, name);
        }
        push(name, { kind: "write", start, end: now(), value, ok: outcome, label });
      } else {
        let outcome: boolean | "unknown" = true;
        try {
          await store.deleteItems(Register, [{ name }]);
        } catch (err) {
          outcome = batchOutcome(err, name);
        }
        push(name, { kind: "delete", start, end: now(), ok: outcome, label });
      }
    }
  } finally {
    await close();
  }
  return counts;
}

for (const [run, seed] of SEEDS.entries()) {
  test(`run ${run + 1}, seed ${seed}: resets and batches under faults, every register history is linearizable`, async (t) => {
    t.timeout(SOAK ? 600_000 : 120_000);
    const table = dynamo().tableName(`registers${run}`);
    await createStore({ table, atoms: [Register], client: dynamo().client }).ensureTable({
      stream: false,
    });
    const histories = new Map<string, RegisterOp[]>(REGISTERS.map((name) => [name, []]));
    const counts = await Promise.all(
      Array.from({ length: WORKERS }, (_, id) => registerWorker(table, seed, id, histories)),
    );
    const injected: Record<string, number> = {};
    for (const c of counts)
      for (const [k, v] of Object.entries(c)) injected[k] = (injected[k] ?? 0) + v;
    t.log(`faults injected: ${JSON.stringify(injected)}`);
    for (const [name, history] of histories) {
      const unknown = history.filter((op) => "ok" in op && op.ok === "unknown").length;
      t.log(`${name}: ${history.length} operations, ${unknown} of unknown outcome`);
    }
    const verdict = checkRegisters(histories);
    if (!verdict.linearizable && verdict.key !== undefined) {
      const file = join(tmpdir(), `dynatom-registers-${seed}-${verdict.key}-${Date.now()}.json`);
      writeFileSync(file, JSON.stringify(histories.get(verdict.key)));
      t.log(`history written to ${file}`);
    }
    t.true(verdict.linearizable, `${verdict.reason ?? ""} (seed ${seed})`);
  });
}
