import { type Change, createStore, type Store } from "dynatom";
import { Account, Counter, PersonV1, Register } from "./atoms.js";
import { seeded } from "./random.js";
import { faultyStreams, type StreamFaults } from "./stream-faults.js";
import type { TestDynamo } from "./table.js";

/** The atom types a workload writes and a feed follows; PersonV1 is written and never followed. */
export const FOLLOWED = [Account, Counter, Register] as const;
export const WRITTEN = [Account, Counter, Register, PersonV1] as const;

/** What one item went through, as its writer saw it: each change's type and values. */
export interface Expected {
  readonly type: "insert" | "modify" | "remove";
  readonly old: unknown;
  readonly new: unknown;
}

type Kind = "account" | "counter" | "register";

function account(id: string, n: number) {
  return {
    tenant: "t",
    id,
    email: `${id}-${n}@example.com`,
    balance: BigInt(n) * 10n ** 20n,
    createdAt: new Date(Date.UTC(2026, 0, 1) + n * 1000),
    score: n / 7,
    tags: new Set([`n${n}`]),
    prefs: new Map<string, unknown>([["n", n]]),
    ...(n % 3 === 0 ? { avatar: new Uint8Array([n % 256, 1, 2]) } : {}),
  };
}

function valueFor(kind: Kind, id: string, n: number): Record<string, unknown> {
  if (kind === "account") return account(id, n);
  if (kind === "counter") return { name: id, n };
  return { name: id, v: `${id}-${n}` };
}

const DEFINITIONS = { account: Account, counter: Counter, register: Register } as const;

/** The item's identity in a change: its type and key fields. */
export function itemId(change: { atom: string; key: unknown }): string {
  return `${change.atom}:${JSON.stringify(change.key)}`;
}

function idOf(kind: Kind, id: string): string {
  return kind === "account"
    ? itemId({ atom: kind, key: { tenant: "t", id } })
    : itemId({ atom: kind, key: { name: id } });
}

/**
 * Writes `writes` changes to items of three followed types, by every kind of write (reset, swap,
 * destroy, putItems, deleteItems, transactions), with writes of a fourth type between them.
 * Returns each item's changes in order, as the feed must show them.
 */
export async function mixedWorkload(
  store: Store<typeof WRITTEN>,
  writes: number,
  seed = 1,
  prefix = "i",
  before?: ReadonlyMap<string, readonly Expected[]>,
): Promise<Map<string, Expected[]>> {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const kinds: readonly Kind[] = ["account", "counter", "register"];
  const ids = Array.from({ length: 12 }, (_, i) => `${prefix}${i}`);
  const current = new Map<string, Record<string, unknown> | undefined>();
  const expected = new Map<string, Expected[]>();
  for (const [key, list] of before ?? []) {
    expected.set(key, [...list]);
    current.set(key, list.at(-1)?.new as Record<string, unknown> | undefined);
  }
  let n = before === undefined ? 0 : 1_000_000 * seed;
  let done = 0;
  const record = (kind: Kind, id: string, next: Record<string, unknown> | undefined) => {
    const key = idOf(kind, id);
    const old = current.get(key);
    if (old === undefined && next === undefined) return;
    const type = old === undefined ? "insert" : next === undefined ? "remove" : "modify";
    const list = expected.get(key) ?? [];
    list.push({ type, old, new: next });
    expected.set(key, list);
    current.set(key, next);
    done++;
  };
  const handle = (kind: Kind, id: string) =>
    kind === "account"
      ? store.atom(Account, { tenant: "t", id })
      : store.atom(DEFINITIONS[kind] as typeof Counter, { name: id });
  while (done < writes) {
    const op = random();
    const kind = pick(kinds);
    if (op < 0.3) {
      const id = pick(ids);
      const value = valueFor(kind, id, ++n);
      await handle(kind, id).reset(value as never);
      record(kind, id, value);
    } else if (op < 0.55) {
      const id = pick(ids);
      const value = valueFor(kind, id, ++n);
      await handle(kind, id).swap(() => value as never);
      record(kind, id, value);
    } else if (op < 0.65) {
      const id = pick(ids);
      if (current.get(idOf(kind, id)) === undefined) continue;
      await handle(kind, id).destroy();
      record(kind, id, undefined);
    } else if (op < 0.8) {
      const chosen = [...new Set(Array.from({ length: 5 }, () => pick(ids)))];
      const values = chosen.map((id) => valueFor(kind, id, ++n));
      await store.putItems(DEFINITIONS[kind] as typeof Counter, values as never);
      chosen.forEach((id, i) => {
        record(kind, id, values[i]);
      });
    } else if (op < 0.85) {
      const chosen = [...new Set(Array.from({ length: 3 }, () => pick(ids)))].filter(
        (id) => current.get(idOf(kind, id)) !== undefined,
      );
      if (chosen.length === 0) continue;
      const keys = chosen.map((id) => (kind === "account" ? { tenant: "t", id } : { name: id }));
      await store.deleteItems(DEFINITIONS[kind] as typeof Counter, keys as never);
      for (const id of chosen) record(kind, id, undefined);
    } else if (op < 0.95) {
      const counterId = pick(ids);
      const registerId = pick(ids);
      const counter = valueFor("counter", counterId, ++n);
      const register = valueFor("register", registerId, ++n);
      await store.transact((tx) => [
        tx.put(Counter, counter as never),
        tx.swap(store.atom(Register, { name: registerId }), () => register as never),
      ]);
      record("counter", counterId, counter);
      record("register", registerId, register);
    } else {
      // A type the feed does not follow.
      const id = pick(ids);
      await store
        .atom(PersonV1, { tenant: "t", id })
        .reset({ tenant: "t", id, first: "A", last: String(++n) });
    }
  }
  return expected;
}

/** Reads changes until `done` says so, failing after `ms` with what came so far. */
export async function collect<C>(
  feed: AsyncIterable<C>,
  done: (seen: readonly C[]) => boolean,
  ms = 90_000,
): Promise<C[]> {
  const seen: C[] = [];
  const timer = setTimeout(() => {
    void (feed as unknown as AsyncIterator<C>).return?.();
  }, ms);
  try {
    for await (const change of feed) {
      seen.push(change);
      if (done(seen)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return seen;
}

/** Each item's changes, in the order the feed gave them. */
export function byItem(changes: readonly Change[]): Map<string, Expected[]> {
  const out = new Map<string, Expected[]>();
  for (const change of changes) {
    const list = out.get(itemId(change)) ?? [];
    list.push({ type: change.type, old: change.old, new: change.new });
    out.set(itemId(change), list);
  }
  return out;
}

export function total(expected: ReadonlyMap<string, readonly Expected[]>): number {
  let n = 0;
  for (const list of expected.values()) n += list.length;
  return n;
}

/** A store of every written type on a table of its own, with its stream on. */
export async function feedStore(dynamo: TestDynamo, label: string) {
  const store = createStore({
    table: dynamo.tableName(label),
    atoms: WRITTEN,
    endpoint: dynamo.endpoint,
  });
  await store.ensureTable();
  return store;
}

/**
 * A table whose counter x went 1 … 10, and the sequence number of its 5th change: where a
 * virtual split (`faultyStreams` with `split: { at }`) ends the parent shard.
 */
export async function splitTable(dynamo: TestDynamo, label: string) {
  const store = await feedStore(dynamo, label);
  const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
  for (let i = 0; i < 5; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
  const firstFive = await collect(
    store.changes({ atoms: [Counter], from: "trim-horizon" }),
    (s) => s.length >= 5,
  );
  const at = firstFive[4]?.sequence as string;
  for (let i = 0; i < 5; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
  return { store, at };
}

/** A store on `table` whose Streams client shows a virtual split at `at` (see `splitTable`). */
export function splitReader(dynamo: TestDynamo, table: string, at: string) {
  const faults: StreamFaults = {
    split: { at },
    seen: { getRecords: 0, expired: 0, trimmed: 0, iterators: [] },
  };
  const streams = faultyStreams(dynamo.endpoint, faults);
  const reader = createStore({
    table,
    atoms: WRITTEN,
    endpoint: dynamo.endpoint,
    streamsClient: streams,
  });
  return { streams, reader, faults };
}
