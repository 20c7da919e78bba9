// Attacks on primary queries, count and select: atom names that prefix each other sharing a
// partition, odd key strings, select on optional/nullable/default/transform fields, an older
// version without migrations, cursors moved between select/non-select and primary/index.
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import {
  type AtomDefinition,
  compareUtf8,
  createStore,
  DynatomError,
  defineAtom,
  isDynatomError,
  type Store,
} from "dynatom";
import { localClientConfig } from "dynatom/local";
import fc from "fast-check";
import * as v from "valibot";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const pairSchema = v.object({ t: v.string(), a: v.string(), b: v.number(), who: v.string() });
const pairAtom = (name: string) =>
  defineAtom({
    name,
    version: 1,
    schema: pairSchema,
    key: { pk: ["t"], sk: ["a", "b"] },
    indexes: { byB: { pk: ["t"], sk: ["b"], index: "gsi1" } },
  });
const NAMES = ["acc", "acc_1", "acc-1", "ac", "acc_1_1", "account-note", "accX"] as const;
const PAIRS = NAMES.map(pairAtom);
const [Acc] = PAIRS as [ReturnType<typeof pairAtom>];

/** One field of key: every item of a partition is the atom itself. */
const Solo = defineAtom({
  name: "acc_1_2",
  version: 1,
  schema: v.object({ t: v.string(), who: v.string() }),
  key: ["t"],
});

let table = "";
test.before(async () => {
  table = dynamo().tableName("attack2-query");
  const store = createStore({
    table,
    atoms: [...PAIRS, Solo, Opt, OldV2],
    client: dynamo().client,
  });
  await store.ensureTable({ stream: false });
  await store.close();
});

function open(t: { teardown(fn: () => Promise<void>): void }) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const store = createStore({
    table,
    atoms: [...PAIRS, Solo, Opt, OldV2] as AtomDefinition[],
    client,
  }) as Store;
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  return store;
}

const A_POOL = [
  "",
  "#",
  "$",
  "a",
  "a#",
  "a$",
  "a b",
  "a\u0000",
  "a\u0001z",
  "\u{1F600}",
  "\uFFFF",
  "é",
  "a#b_1",
  "$acc_1",
  "_",
  "`",
];
const B_POOL = [-1.5, 0, 2, 10];

type Row = { a: string; b: number };
const cmpRow = (x: Row, y: Row) => compareUtf8(x.a, y.a) || x.b - y.b;

type Cond =
  | { op: "all" }
  | { op: "eq" | "gt" | "gte" | "lt" | "lte"; f: Partial<Row> }
  | { op: "between"; f: Partial<Row>; to: Partial<Row> }
  | { op: "beginsWith"; f: { a: string } };

/** Compares a row with condition fields (a, or a and b) as the index orders them. */
function cmpPrefix(row: Row, f: Partial<Row>): number {
  const c = compareUtf8(row.a, f.a as string);
  if (c !== 0 || f.b === undefined) return c;
  return row.b - f.b;
}

function matches(row: Row, cond: Cond): boolean {
  switch (cond.op) {
    case "all":
      return true;
    case "eq":
      return cmpPrefix(row, cond.f) === 0;
    case "gt":
      return cmpPrefix(row, cond.f) > 0;
    case "gte":
      return cmpPrefix(row, cond.f) >= 0;
    case "lt":
      return cmpPrefix(row, cond.f) < 0;
    case "lte":
      return cmpPrefix(row, cond.f) <= 0;
    case "between":
      return cmpPrefix(row, cond.f) >= 0 && cmpPrefix(row, cond.to) <= 0;
    case "beginsWith":
      return row.a.startsWith(cond.f.a);
  }
}

const anyA = fc.constantFrom(...A_POOL, "a\u0000y", "b", "\u{1F600}x", "");
const anyB = fc.constantFrom(...B_POOL, 1, -Infinity, Infinity);
const anyFields = fc.oneof(
  anyA.map((a) => ({ a })),
  fc.record({ a: anyA, b: anyB }),
);
const anyCond: fc.Arbitrary<Cond> = fc.oneof(
  fc.constant({ op: "all" as const }),
  fc.record({
    op: fc.constantFrom(
      "eq" as const,
      "gt" as const,
      "gte" as const,
      "lt" as const,
      "lte" as const,
    ),
    f: anyFields,
  }),
  fc.tuple(anyA, anyA, fc.option(fc.tuple(anyB, anyB), { nil: undefined })).map(([a1, a2, bs]) => ({
    op: "between" as const,
    f: bs === undefined ? { a: a1 } : { a: a1, b: bs[0] },
    to: bs === undefined ? { a: a2 } : { a: a2, b: bs[1] },
  })),
  anyA.map((a) => ({ op: "beginsWith" as const, f: { a } })),
);

type Loose = {
  go(o?: object): Promise<{ items: Record<string, unknown>[]; cursor?: string }>;
  count(o?: object): Promise<number>;
  select(f: readonly string[]): Loose;
  [op: string]: unknown;
};

function build(store: Store, def: AtomDefinition, t: string, cond: Cond): Loose {
  const base = (store.query(def) as unknown as Record<string, (p: object) => Loose>).primary?.({
    t,
  }) as Loose;
  if (cond.op === "all") return base;
  const method = base[cond.op] as (...args: unknown[]) => Loose;
  return cond.op === "between" ? method.call(base, cond.f, cond.to) : method.call(base, cond.f);
}

test("primary: prefix-named atoms sharing a partition, odd strings: go, pages, count, select agree with the model", async (t) => {
  const store = open(t);
  const partitions = ["", "#", "t#a_x", "\u{1F600}"];
  const rows: Row[] = [];
  for (const a of A_POOL) for (const b of B_POOL) rows.push({ a, b });
  for (const tt of partitions) {
    for (const def of PAIRS) {
      await store.putItems(
        def,
        rows.map((r) => ({ t: tt, ...r, who: def.name })),
      );
    }
    await store.putItems(Solo, [{ t: tt, who: "solo" }]);
  }
  const sorted = [...rows].sort(cmpRow);
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...partitions),
      fc.constantFrom(...PAIRS),
      anyCond,
      fc.constantFrom("asc" as const, "desc" as const),
      fc.integer({ min: 1, max: 4 }),
      async (tt, def, cond, order, limit) => {
        let query: Loose;
        try {
          query = build(store, def, tt, cond);
        } catch (err) {
          if (isDynatomError(err, "query.invalid-condition")) return true;
          throw err;
        }
        const want = sorted.filter((r) => matches(r, cond));
        if (order === "desc") want.reverse();
        const label = `${def.name} ${JSON.stringify(tt)} ${JSON.stringify(cond)} ${order}`;
        const all = await query.go({ order, consistent: true });
        const got = all.items.map((i) => ({ a: i.a, b: i.b, who: i.who }));
        const wrong = got.filter((g) => g.who !== def.name);
        if (wrong.length > 0)
          throw new Error(`${label}: other types' items ${JSON.stringify(wrong)}`);
        const gotRows = got.map(({ a, b }) => ({ a, b }));
        if (JSON.stringify(gotRows) !== JSON.stringify(want))
          throw new Error(`${label}: go ${JSON.stringify(gotRows)} want ${JSON.stringify(want)}`);
        // Paged with cursors, half of the time through a select.
        const paged: Row[] = [];
        let cursor: string | undefined;
        let i = 0;
        do {
          const q = i % 2 === 0 ? query : query.select(["a", "b"]);
          const page = await q.go({ order, limit, ...(cursor === undefined ? {} : { cursor }) });
          for (const item of page.items) {
            if (i % 2 === 1 && Object.keys(item).sort().join() !== "a,b")
              throw new Error(`${label}: select gave ${Object.keys(item)}`);
            paged.push({ a: item.a as string, b: item.b as number });
          }
          cursor = page.cursor;
          i++;
          if (i > 200) throw new Error(`${label}: paging does not end`);
        } while (cursor !== undefined);
        if (JSON.stringify(paged) !== JSON.stringify(want))
          throw new Error(`${label}: paged ${JSON.stringify(paged)} want ${JSON.stringify(want)}`);
        const count = await query.count({ consistent: true });
        if (count !== want.length) throw new Error(`${label}: count ${count} want ${want.length}`);
        checked++;
        return true;
      },
    ),
    { numRuns: 150, includeErrorInReport: true },
  );
  t.log(`${checked} checked`);
  // The one-field key: exactly the item, whatever else shares the partition.
  for (const tt of partitions) {
    const solo = await store.query(Solo).primary({ t: tt }).go({ consistent: true });
    t.deepEqual(solo.items, [{ t: tt, who: "solo" }]);
    t.is(await store.query(Solo).primary({ t: tt }).count(), 1);
  }
});

/** Optional, nullable, default, exact-optional, nullish and transformed fields. */
const Opt = defineAtom({
  name: "opt",
  version: 1,
  schema: v.object({
    t: v.string(),
    id: v.string(),
    o: v.optional(v.string()),
    nl: v.nullable(v.number()),
    d: v.optional(v.string(), "dflt"),
    eo: v.exactOptional(v.number()),
    nh: v.nullish(v.string(), "nh-default"),
    when: v.pipe(
      v.string(),
      v.transform((s) => new Date(s)),
    ),
    len: v.pipe(
      v.string(),
      v.transform((s) => s.length),
    ),
    tags: v.optional(v.set(v.string())),
    big: v.optional(v.bigint()),
    nested: v.optional(v.object({ x: v.optional(v.date()) })),
  }),
  key: { pk: ["t"], sk: ["id"] },
});

test("select on optional, nullable, default and transformed fields equals picking from go()", async (t) => {
  const store = open(t);
  const tt = "opt";
  const inputs = [
    { t: tt, id: "1", nl: null, when: "2026-01-01T00:00:00.000Z", len: "abc" },
    {
      t: tt,
      id: "2",
      o: "x",
      nl: 3,
      d: "given",
      eo: 5,
      nh: null,
      when: "2026-01-02T00:00:00.000Z",
      len: "",
      tags: new Set(["a"]),
      big: 10n ** 20n,
      nested: { x: new Date(5) },
    },
    {
      t: tt,
      id: "3",
      nl: 1,
      nh: undefined,
      when: "2026-01-03T00:00:00.000Z",
      len: "zz",
      nested: {},
    },
  ];
  for (const input of inputs) await store.atom(Opt, { t: tt, id: input.id }).reset(input as never);
  // An item another tool wrote without the defaulted fields at all.
  await dynamo().client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        ...Opt.keyOf({ t: tt, id: "4" }),
        t: { S: tt },
        id: { S: "4" },
        nl: { NULL: true },
        when: { S: "2026-01-04T00:00:00.000Z" },
        _types: { S: '{"v":1,"t":{"when":"Date"}}' },
        len: { N: "7" },
        __edb_e__: { S: "opt" },
        __edb_v__: { S: "1" },
      },
    }),
  );
  const full = (await store.query(Opt).primary({ t: tt }).go({ consistent: true })).items as Record<
    string,
    unknown
  >[];
  t.is(full.length, 4);
  const fields = ["o", "nl", "d", "eo", "nh", "when", "len", "tags", "big", "nested"];
  const problems: string[] = [];
  for (let k = 1; k <= 3; k++) {
    for (let s = 0; s < fields.length; s++) {
      const picked = fields.slice(s, s + k);
      if (picked.length < k) continue;
      let selected: Record<string, unknown>[];
      try {
        selected = (
          await (store.query(Opt).primary({ t: tt }) as unknown as Loose)
            .select(picked)
            .go({ consistent: true })
        ).items;
      } catch (err) {
        problems.push(`select ${picked}: threw ${String(err)}`);
        continue;
      }
      selected.forEach((item, i) => {
        const whole = full[i] as Record<string, unknown>;
        const expected: Record<string, unknown> = {};
        for (const f of picked) if (Object.hasOwn(whole, f)) expected[f] = whole[f];
        const extra = Object.keys(item).filter((f) => !picked.includes(f));
        if (extra.length > 0) problems.push(`select ${picked} item ${i}: extra ${extra}`);
        const show = (o: Record<string, unknown>) =>
          JSON.stringify(
            Object.fromEntries(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1))),
            (_k, x) => (typeof x === "bigint" ? `${x}n` : x instanceof Set ? [...x] : x),
          );
        const a = show(item);
        const b = show(expected);
        if (a !== b) problems.push(`select ${picked} item ${i}: ${a} vs go() ${b}`);
      });
    }
  }
  t.deepEqual(problems, []);
});

/** Version 2 declared without a migration step: items of version 1 cannot be read as 2. */
const OldV1 = defineAtom({
  name: "oldv",
  version: 1,
  schema: v.object({ t: v.string(), id: v.string(), cents: v.number() }),
  key: { pk: ["t"], sk: ["id"] },
});
const OldV2 = defineAtom({
  name: "oldv",
  version: 2,
  schema: v.object({ t: v.string(), id: v.string(), cents: v.number() }),
  key: { pk: ["t"], sk: ["id"] },
});

test("an item of an older version with no migration: select and go agree", async (t) => {
  const old = createStore({ table, atoms: [OldV1], client: dynamo().client });
  await old.atom(OldV1, { t: "o", id: "1" }).reset({ t: "o", id: "1", cents: 5 });
  await old.close();
  const store = open(t);
  const go = await store
    .query(OldV2)
    .primary({ t: "o" })
    .go()
    .then(
      (p) => `ok ${JSON.stringify(p.items)}`,
      (e: unknown) => `threw ${(e as DynatomError).code}`,
    );
  const sel = await store
    .query(OldV2)
    .primary({ t: "o" })
    .select(["cents"])
    .go()
    .then(
      (p) => `ok ${JSON.stringify(p.items)}`,
      (e: unknown) => `threw ${(e as DynatomError).code}`,
    );
  const scanned = await (async () => {
    try {
      const out: unknown[] = [];
      for await (const page of store.scan(OldV2)) out.push(...page.items);
      return `ok ${JSON.stringify(out)}`;
    } catch (e) {
      return `threw ${(e as DynatomError).code}`;
    }
  })();
  t.log({ go, sel, scanned });
  t.is(sel, go, "select reads what go() refuses");
});

test("cursors: select <-> whole, primary <-> index, count/ select bad inputs", async (t) => {
  const store = open(t);
  const tt = "cur";
  await store.putItems(
    Acc,
    Array.from({ length: 6 }, (_, i) => ({ t: tt, a: `k${i}`, b: i, who: "acc" })),
  );
  const primary = store.query(Acc).primary({ t: tt });
  const first = await primary.select(["a"]).go({ limit: 2, consistent: true });
  t.deepEqual(first.items, [{ a: "k0" }, { a: "k1" }]);
  const rest = await primary.go({ cursor: first.cursor as string, consistent: true });
  t.deepEqual(
    rest.items.map((i) => i.a),
    ["k2", "k3", "k4", "k5"],
  );
  const onIndex = await store
    .query(Acc)
    .byB({ t: tt })
    .go({ cursor: first.cursor as string })
    .catch((e: unknown) => e);
  t.true(isDynatomError(onIndex, "query.cursor-mismatch"), String(onIndex));
  const idx = await store.query(Acc).byB({ t: tt }).go({ limit: 2 });
  const back = await primary.go({ cursor: idx.cursor as string }).catch((e: unknown) => e);
  t.true(isDynatomError(back, "query.cursor-mismatch"), String(back));
  // Odd inputs: each a typed error.
  const outcomes: Record<string, string> = {};
  const probe = async (label: string, fn: () => unknown) => {
    try {
      await fn();
      outcomes[label] = "ok";
    } catch (e) {
      outcomes[label] =
        e instanceof DynatomError
          ? e.code
          : `${(e as Error).constructor.name}: ${(e as Error).message}`;
    }
  };
  const loose = primary as unknown as Loose;
  await probe("go(null)", () => loose.go(null as never));
  await probe("count(null)", () => loose.count(null as never));
  await probe("select('a')", () => loose.select("a" as never));
  await probe("select(['a','a'])", () => loose.select(["a", "a"]).go());
  await probe("primary(null)", () =>
    (store.query(Acc) as unknown as Record<string, (p: unknown) => Loose>).primary?.(null),
  );
  await probe("primary({t:1})", () =>
    (store.query(Acc) as unknown as Record<string, (p: unknown) => Loose>).primary?.({ t: 1 }),
  );
  await probe("count({consistent:1})", () => loose.count({ consistent: 1 }));
  await probe("byB count consistent", () =>
    (store.query(Acc).byB({ t: tt }) as unknown as Loose).count({ consistent: true }),
  );
  await probe("scan(null)", async () => {
    for await (const _ of store.scan(Acc, null as never)) break;
  });
  t.log(outcomes);
  const untyped = Object.entries(outcomes).filter(([, out]) => out !== "ok" && !out.includes("."));
  t.deepEqual(untyped, [], JSON.stringify(outcomes));
});
