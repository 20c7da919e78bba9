import { randomUUID } from "node:crypto";
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteTableCommand,
  DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import test, { type ExecutionContext } from "ava";
import {
  type AtomDefinition,
  createStore,
  defineAtom,
  type InferAtom,
  isDynatomError,
  type Page,
  type QueryOptions,
  type RunnableQuery,
  type Store,
} from "dynatom";
import { localClientConfig } from "dynatom/local";
import fc from "fast-check";
import * as v from "valibot";
import { Account, Counter } from "../helpers/atoms.js";
import { recordInputs, recordRequests } from "../helpers/requests.js";
import { difference } from "../helpers/same.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

// ---------------------------------------------------------------------------------------------
// Atom types
// ---------------------------------------------------------------------------------------------

const rowSchema = v.object({
  p: v.string(),
  id: v.string(),
  s: v.string(),
  n: v.number(),
  b: v.bigint(),
  d: v.date(),
  f: v.boolean(),
});

/**
 * One index per indexable type, and one of two sort fields (Date then number).
 */
const Row = defineAtom({
  name: "row",
  version: 1,
  schema: rowSchema,
  key: { pk: ["p"], sk: ["id"] },
  indexes: {
    byS: { pk: ["p"], sk: ["s"] },
    byN: { pk: ["p"], sk: ["n"] },
    byB: { pk: ["p"], sk: ["b"] },
    byD: { pk: ["p"], sk: ["d"] },
    byF: { pk: ["p"], sk: ["f"] },
    byDN: { pk: ["p"], sk: ["d", "n"] },
  },
});
type RowValue = InferAtom<typeof Row>;

/**
 * Other atom types on the very GSIs of Row, with the same fields, index names and partition
 * field, so their index keys differ from Row's only by the atom name. The names are Row's
 * closest neighbours in key order: `$row-a_1#…` sorts just before `$row_1#…` ("-" < "_"), and
 * `$row_1_1#…` just after every `$row_1#s_…` ("_" > "#").
 */
function neighbour(name: string) {
  return defineAtom({
    name,
    version: 1,
    schema: rowSchema,
    key: { pk: ["p"], sk: ["id"] },
    indexes: {
      byS: { pk: ["p"], sk: ["s"], index: "gsi1" },
      byN: { pk: ["p"], sk: ["n"], index: "gsi2" },
      byB: { pk: ["p"], sk: ["b"], index: "gsi3" },
      byD: { pk: ["p"], sk: ["d"], index: "gsi4" },
      byF: { pk: ["p"], sk: ["f"], index: "gsi5" },
      byDN: { pk: ["p"], sk: ["d", "n"], index: "gsi6" },
    },
  });
}
const Before = neighbour("row-a");
const After = neighbour("row_1");

/**
 * A string first in a sort key of two fields: conditions on {s} alone compare key prefixes.
 * Its strings hold the characters that sort around the "#" between fields: control characters,
 * space, "!", "#" and "$".
 */
const Pair = defineAtom({
  name: "pair",
  version: 1,
  schema: v.object({ p: v.string(), id: v.string(), s: v.string(), n: v.number() }),
  key: { pk: ["p"], sk: ["id"] },
  indexes: { bySN: { pk: ["p"], sk: ["s", "n"] } },
});

const ATOMS: AtomDefinition[] = [Row, Before, After, Pair, Account, Counter];

// ---------------------------------------------------------------------------------------------
// The table, stores, writing
// ---------------------------------------------------------------------------------------------

let table = "";

test.before(async () => {
  table = dynamo().tableName("query");
  const store = createStore({ table, atoms: ATOMS, client: dynamo().client });
  await store.ensureTable({ stream: false });
  await store.close();
});

test.after.always(async () => {
  if (table) await dynamo().client.send(new DeleteTableCommand({ TableName: table }));
});

/** A store on the file's table, through a client of its own whose requests are recorded. */
function open(t: ExecutionContext) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const requests = recordRequests(client);
  const store = createStore({ table, atoms: ATOMS, client });
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  return { client, store, requests };
}

/** Writes raw items with BatchWriteItem, 25 a request, the requests in parallel. */
async function writeItems(
  client: DynamoDBClient,
  items: readonly Record<string, AttributeValue>[],
): Promise<void> {
  const chunks: Record<string, AttributeValue>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  await Promise.all(
    chunks.map(async (chunk) => {
      let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const out = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [table]: requests } }),
        );
        requests = (out.UnprocessedItems?.[table] ?? []).map((request) => ({
          PutRequest: { Item: request.PutRequest?.Item ?? {} },
        }));
      }
    }),
  );
}

const queries = (requests: { readonly sent: readonly string[] }) =>
  requests.sent.filter((name) => name === "QueryCommand").length;

// ---------------------------------------------------------------------------------------------
// A loose view of a query, for indexes and operators chosen at run time
// ---------------------------------------------------------------------------------------------

type Order = "asc" | "desc";
type Runnable<T> = RunnableQuery<T>;
type Fields = Record<string, unknown>;
/** A query of any atom type, seen as one whose values have `id` and `s`. */
type Selectable = { select(fields: readonly string[]): Runnable<Fields> };
type Loose<T> = Runnable<T> & {
  eq(fields: Fields): Runnable<T>;
  gt(fields: Fields): Runnable<T>;
  gte(fields: Fields): Runnable<T>;
  lt(fields: Fields): Runnable<T>;
  lte(fields: Fields): Runnable<T>;
  between(from: Fields, to: Fields): Runnable<T>;
  beginsWith(fields: Fields): Runnable<T>;
};

/** `store.query(definition)[index](partition)`, with the index and fields chosen at run time. */
function looseQuery<T>(
  store: Store,
  definition: AtomDefinition,
  index: string,
  partition: Fields,
): Loose<T> {
  const all = store.query(definition) as unknown as Record<string, (p: Fields) => Loose<T>>;
  const make = all[index];
  if (make === undefined) throw new Error(`no index ${index}`);
  return make(partition);
}

async function allPages<T>(runnable: Runnable<T>, options: QueryOptions): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  for await (const page of runnable.pages(options)) pages.push(page);
  return pages;
}

/** Pages by `go`, passing each cursor back; `limits` gives each call's limit in turn. */
async function goPages<T>(
  runnable: Runnable<T>,
  options: { readonly order: Order; readonly consistent?: boolean },
  limits: readonly (number | undefined)[],
): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let cursor: string | undefined;
  do {
    const limit = limits[pages.length % Math.max(limits.length, 1)];
    const page = await runnable.go({
      ...options,
      ...(limit === undefined ? {} : { limit }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    pages.push(page);
    cursor = page.cursor;
    if (pages.length > 1000) throw new Error("go: the cursors never end");
  } while (cursor !== undefined);
  return pages;
}

// ---------------------------------------------------------------------------------------------
// The model: each type's natural order, independent of the index forms
// ---------------------------------------------------------------------------------------------

type Field = "id" | "s" | "n" | "b" | "d" | "f";
type IndexName = "primary" | "byS" | "byN" | "byB" | "byD" | "byF" | "byDN" | "bySN";
/** A row of any of the atom types the properties query. */
type Item = Fields & { readonly id: string };
const SORT_FIELDS: Record<IndexName, readonly Field[]> = {
  // The table's own key: the types of this file all sort on their id.
  primary: ["id"],
  bySN: ["s", "n"],
  byS: ["s"],
  byN: ["n"],
  byB: ["b"],
  byD: ["d"],
  byF: ["f"],
  byDN: ["d", "n"],
};

const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);
const natural = <V>(a: V, b: V) => (a < b ? -1 : a > b ? 1 : 0);

/** Natural order of one field's values: strings by UTF-8 bytes (what DynamoDB compares). */
function compareField(field: Field, a: unknown, b: unknown): number {
  switch (field) {
    case "id":
    case "s":
      return sign(
        Buffer.compare(Buffer.from(a as string, "utf8"), Buffer.from(b as string, "utf8")),
      );
    case "n":
      return natural(a as number, b as number); // -0 and 0 compare equal
    case "b":
      return natural(a as bigint, b as bigint);
    case "d":
      return natural((a as Date).getTime(), (b as Date).getTime());
    case "f":
      return natural(Number(a), Number(b));
  }
}

/** Compares the first `fields.length` sort values of two rows (or condition field sets). */
function compareOn(fields: readonly Field[], a: Fields, b: Fields): number {
  for (const field of fields) {
    const c = compareField(field, a[field], b[field]);
    if (c !== 0) return c;
  }
  return 0;
}

type Op = "all" | "eq" | "gt" | "gte" | "lt" | "lte" | "between" | "beginsWith";

interface Condition {
  readonly op: Op;
  readonly fields: readonly Field[];
  readonly from: Fields;
  readonly to: Fields;
}

function matches(condition: Condition, row: Fields): boolean {
  const { op, fields, from, to } = condition;
  const c = compareOn(fields, row, from);
  switch (op) {
    case "all":
      return true;
    case "eq":
      return c === 0;
    case "gt":
      return c > 0;
    case "gte":
      return c >= 0;
    case "lt":
      return c < 0;
    case "lte":
      return c <= 0;
    case "between":
      return c >= 0 && compareOn(fields, row, to) <= 0;
    case "beginsWith": {
      const last = fields.at(-1) as Field;
      return (
        compareOn(fields.slice(0, -1), row, from) === 0 &&
        (row[last] as string).startsWith(from[last] as string)
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const UNITS = ["a", "b", "é", "😀", "\uFFFF", "\uE000", "\u0000", "\u007F", "\u0080", "#", "~"];
/** Strings of few characters, for ties and prefixes, and at times anything well-formed. */
const anyS = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom("", "a", "ab", "b", "é", "😀", "\uFFFF", "\u0000") },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...UNITS), maxLength: 4 }) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: "binary", maxLength: 12 }).filter((s) => s.isWellFormed()),
  },
);
const anyN = fc.oneof(
  fc.double({ noNaN: true }),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(
    -0,
    0,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    0.1,
    -0.1,
    1.25,
    -1.25,
    9,
    10,
    -9,
    -10,
    1e21,
    -1e-7,
  ),
);
const anyB = fc.oneof(
  fc.bigInt({ min: -(10n ** 300n), max: 10n ** 300n }),
  fc.bigInt({ min: -12n, max: 12n }),
  fc.bigInt(),
  fc.constantFrom(9n, 10n, 99n, 100n, -9n, -10n, -99n, -100n, 10n ** 9n, -(10n ** 9n), 10n ** 10n),
);
const anyD = fc.oneof(
  fc.date({ noInvalidDate: true }),
  fc.integer({ min: -2, max: 2 }).map((ms) => new Date(ms)),
  fc
    .constantFrom(
      "9999-12-31T23:59:59.999Z",
      "+010000-01-01T00:00:00.000Z",
      "0000-01-01T00:00:00.000Z",
      "-000001-12-31T23:59:59.999Z",
      "-000002-01-01T00:00:00.000Z",
      "-271821-04-20T00:00:00.000Z",
      "+275760-09-13T00:00:00.000Z",
    )
    .map((iso) => new Date(iso)),
);
const anyFields = fc.record({ s: anyS, n: anyN, b: anyB, d: anyD, f: fc.boolean() });

const anyId = fc.string({ unit: "grapheme-ascii", maxLength: 3 });
const anyRows = fc.uniqueArray(
  fc.record({
    id: anyId,
    values: anyFields,
  }),
  { selector: (row) => row.id, maxLength: 30 },
);

/** Where a condition value comes from: an existing row's (ties, boundaries) or a fresh one. */
function anyPick<F extends Fields>(fresh: fc.Arbitrary<F>) {
  return fc.record({ existing: fc.boolean(), at: fc.nat(), cut: fc.nat(), fresh });
}
interface Pick {
  readonly existing: boolean;
  readonly at: number;
  readonly cut: number;
  readonly fresh: Fields;
}

/** A query: index, operator, condition values, order and page sizes. */
function anyQueryOn<I extends IndexName>(indexes: readonly I[], fresh: fc.Arbitrary<Fields>) {
  return fc.record({
    index: fc.constantFrom(...indexes),
    op: fc.constantFrom<Op>("all", "eq", "gt", "gte", "lt", "lte", "between", "beginsWith"),
    /** How many sort fields the condition names, where the index has several. */
    width: fc.constantFrom(1, 2),
    from: anyPick(fresh),
    to: anyPick(fresh),
    order: fc.constantFrom<Order>("asc", "desc"),
    pageLimit: fc.option(fc.integer({ min: 1, max: 12 }), { freq: 4, nil: undefined }),
    goLimits: fc.array(fc.option(fc.integer({ min: 1, max: 12 }), { freq: 6, nil: undefined }), {
      minLength: 1,
      maxLength: 3,
    }),
  });
}
type DrawnQuery = typeof anyQueryOn extends (...args: never[]) => fc.Arbitrary<infer Q> ? Q : never;

/** The condition values a pick stands for, on the first `fields` sort fields. */
function valuesOf(pick: Pick, fields: readonly Field[], rows: readonly Item[]): Fields {
  const source: Fields =
    pick.existing && rows.length > 0 ? (rows[pick.at % rows.length] as Item) : pick.fresh;
  const out: Fields = {};
  for (const field of fields) out[field] = source[field];
  return out;
}

// ---------------------------------------------------------------------------------------------
// 1. The properties
// ---------------------------------------------------------------------------------------------

function fail(message: string): never {
  throw new Error(message);
}

const show = (value: unknown) =>
  JSON.stringify(value, (_, x) =>
    typeof x === "bigint" ? `${x}n` : typeof x === "number" && !Number.isFinite(x) ? String(x) : x,
  );

/** Checks pages of a query against the model's rows, in order; ties may come in any order. */
function checkPages(
  where: string,
  pages: readonly Page<Item>[],
  expected: readonly Item[],
  fields: readonly Field[],
  limit: number | undefined,
  byId: ReadonlyMap<string, Item>,
) {
  if (pages.length === 0) fail(`${where}: no page at all`);
  pages.forEach((page, i) => {
    const last = i === pages.length - 1;
    if (last && page.cursor !== undefined) fail(`${where}: the last page has a cursor`);
    if (!last && page.cursor === undefined)
      fail(`${where}: page ${i} has no cursor, yet more came`);
    if (limit !== undefined) {
      if (page.items.length > limit)
        fail(`${where}: page ${i} holds ${page.items.length} > ${limit}`);
      if (!last && page.items.length !== limit)
        fail(`${where}: page ${i} of ${pages.length} holds ${page.items.length}, not ${limit}`);
      if (last && i > 0 && page.items.length === 0)
        fail(`${where}: an empty last page after a cursor`);
    }
  });
  const got = pages.flatMap((page) => page.items);
  if (got.length !== expected.length)
    fail(
      `${where}: ${got.length} items, expected ${expected.length}: got ids ${show(got.map((r) => r.id))}, expected ${show(expected.map((r) => r.id))}`,
    );
  got.forEach((item, i) => {
    const want = expected[i] as Item;
    if (compareOn(fields, item, want) !== 0)
      fail(
        `${where}: item ${i} sorts as ${show(fields.map((f) => item[f]))}, expected ${show(fields.map((f) => want[f]))}`,
      );
    const stored = byId.get(item.id);
    if (stored === undefined)
      fail(`${where}: item ${show(item.id)} is not one of this partition's rows`);
    const diff = difference(item, stored);
    if (diff) fail(`${where}: item ${show(item.id)} decoded differently: ${diff}`);
  });
  const ids = (rows: readonly Item[]) => rows.map((row) => row.id).sort();
  if (show(ids(got)) !== show(ids(expected)))
    fail(`${where}: ids ${show(ids(got))}, expected ${show(ids(expected))}`);
}

/**
 * Runs one drawn query on `definition` in partition `p`, by pages() and by a go() loop, and
 * checks both against the model. Returns false when the condition was (rightly) refused.
 */
async function checkQuery(
  store: Store,
  definition: AtomDefinition,
  model: readonly Item[],
  p: string,
  q: DrawnQuery,
): Promise<boolean> {
  const byId = new Map(model.map((row) => [row.id, row]));
  const all = SORT_FIELDS[q.index];
  const fields = all.slice(0, q.width);
  let from = valuesOf(q.from, fields, model);
  const to = valuesOf(q.to, fields, model);
  const last = fields.at(-1) as Field;
  if (q.op === "beginsWith" && typeof from[last] === "string") {
    // A prefix of the picked string, cut at a code point.
    const points = Array.from(from[last] as string);
    from = { ...from, [last]: points.slice(0, q.from.cut % (points.length + 1)).join("") };
  }
  const where = `${definition.name}.${q.index}.${q.op}(${show(from)}${q.op === "between" ? `, ${show(to)}` : ""}) ${q.order}`;
  const base = looseQuery<Item>(store, definition, q.index, { p });
  if (q.op === "beginsWith" && last !== "s" && last !== "id") {
    try {
      base.beginsWith(from);
    } catch (err) {
      if (isDynatomError(err, "query.invalid-condition")) return false;
      throw err;
    }
    fail(`${where}: beginsWith on a field that is not a string was accepted`);
  }
  const runnable =
    q.op === "all" ? base : q.op === "between" ? base.between(from, to) : base[q.op](from);
  const condition: Condition = { op: q.op, fields, from, to };
  const expected = model
    .filter((row) => matches(condition, row))
    .sort((a, b) => compareOn(all, a, b));
  if (q.order === "desc") expected.reverse();

  const limit = q.pageLimit;
  // The table can be read strongly consistently; an index cannot.
  const consistent = q.index === "primary";
  const paged = await allPages(runnable, {
    order: q.order,
    consistent,
    ...(limit === undefined ? {} : { limit }),
  });
  checkPages(`pages(${limit}) ${where}`, paged, expected, all, limit, byId);

  const counted = await runnable.count({ consistent });
  if (counted !== expected.length)
    fail(`count() ${where}: ${counted}, expected ${expected.length}`);
  // The same matches through a selection: only its fields, each as stored.
  const selected = await (runnable as unknown as Selectable).select(["id", "s"]).go({ consistent });
  const pairs = (rows: readonly Fields[]) =>
    rows.map((row) => show([row.id, row.s, Object.keys(row).sort()])).sort();
  const want = pairs(expected.map((row) => ({ id: row.id, s: row.s })));
  if (show(pairs(selected.items)) !== show(want))
    fail(`select(id, s) ${where}: ${show(pairs(selected.items))}, expected ${show(want)}`);

  const gone = await goPages(runnable, { order: q.order, consistent }, q.goLimits);
  const uniform = q.goLimits.every((l) => l === q.goLimits[0]) ? q.goLimits[0] : undefined;
  checkPages(`go(${show(q.goLimits)}) ${where}`, gone, expected, all, uniform, byId);
  if (gone.length > 1 && gone.at(-1)?.items.length === 0)
    fail(`go ${where}: an empty last page after a cursor`);
  gone.forEach((page, i) => {
    const asked = q.goLimits[i % q.goLimits.length];
    if (asked === undefined && page.cursor !== undefined)
      fail(`go() ${where}: without a limit, page ${i} still has a cursor`);
    if (asked !== undefined && page.cursor !== undefined && page.items.length !== asked)
      fail(`go(${asked}) ${where}: page ${i} holds ${page.items.length} and has a cursor`);
  });
  return true;
}

let runs = 0;
/**
 * A fresh partition for each run (shrinking runs a drawn value again, so the name is made in the
 * run, not drawn), at times with characters a key format could trip on.
 */
const anyOddity = fc.constantFrom("", "é", "😀", " #$", "_x", "\u0000");
const partitionFor = (oddity: string) => `P${++runs}-${randomUUID().slice(0, 6)}${oddity}`;

test("every query returns exactly the model's rows, in order, in full pages, and nothing of other atom types", async (t) => {
  const { client, store } = open(t);
  // The neighbours' pinned GSIs are the ones Row was given.
  const gsis = (definition: AtomDefinition) =>
    definition.indexes.map(({ name, gsi }) => [name, gsi]);
  t.deepEqual(gsis(Before), gsis(Row));
  t.deepEqual(gsis(After), gsis(Row));
  const anyRowQuery = fc.record({
    /** Mostly Row; at times a neighbour, whose own neighbour is then Row. */
    atom: fc.constantFrom<"row" | "row-a" | "row_1">("row", "row", "row", "row-a", "row_1"),
    query: anyQueryOn(
      ["primary", "byS", "byN", "byB", "byD", "byF", "byDN"],
      fc.record({ id: anyId, s: anyS, n: anyN, b: anyB, d: anyD, f: fc.boolean() }),
    ),
  });
  const started = Date.now();
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(
      anyOddity,
      anyRows,
      fc.array(anyFields, { maxLength: 3 }),
      fc.array(anyRowQuery, { minLength: 1, maxLength: 5 }),
      async (oddity, drawn, strangers, drawnQueries) => {
        const p = partitionFor(oddity);
        const rows: RowValue[] = drawn.map(({ id, values }) => ({ p, id, ...values }));
        // The neighbours get copies of some rows (same ids, same values) and rows of their own
        // (ids longer than any row's).
        const foreign = [
          ...rows.slice(0, 4),
          ...strangers.map((values, i) => ({ p, id: `own-${i}`, ...values })),
        ];
        await writeItems(client, [
          ...rows.map((row) => Row.encode(row)),
          ...foreign.map((row) => Before.encode(row)),
          ...foreign.map((row) => After.encode(row)),
        ]);
        const targets = {
          row: { definition: Row, model: rows },
          "row-a": { definition: Before, model: foreign },
          row_1: { definition: After, model: foreign },
        };
        for (const { atom, query } of drawnQueries) {
          const { definition, model } = targets[atom];
          if (await checkQuery(store, definition, model, p, query)) checked++;
        }
      },
    ),
    { numRuns: 80, includeErrorInReport: true },
  );
  t.log(`${checked} queries checked in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.true(checked > 0);
});

test("a sort key of a string and a number: conditions on {s} and on {s, n} select and order exactly", async (t) => {
  const { client, store } = open(t);
  const safeS = fc.oneof(
    fc.constantFrom("", "a", "ab", "a b", "a!", "a#", "a#n_", "b", "$", "a$", "é", "😀", "\uFFFF"),
    fc.string({
      unit: fc.constantFrom(
        "a",
        "b",
        "\u0000",
        " ",
        "!",
        "#",
        "$",
        "%",
        "~",
        "\u007F",
        "é",
        "😀",
        "\uFFFF",
      ),
      maxLength: 4,
    }),
  );
  const pairFields = fc.record({ s: safeS, n: fc.oneof(fc.integer({ min: -2, max: 2 }), anyN) });
  const started = Date.now();
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(
      anyOddity,
      fc.uniqueArray(fc.record({ id: fc.string({ maxLength: 3 }), values: pairFields }), {
        selector: (row) => row.id,
        maxLength: 25,
      }),
      fc.array(anyQueryOn(["bySN"], pairFields), { minLength: 1, maxLength: 5 }),
      async (oddity, drawn, drawnQueries) => {
        const p = partitionFor(oddity);
        const rows = drawn.map(({ id, values }) => ({ p, id, ...values }));
        await writeItems(
          client,
          rows.map((row) => Pair.encode(row)),
        );
        for (const query of drawnQueries)
          if (await checkQuery(store, Pair, rows, p, query)) checked++;
      },
    ),
    { numRuns: 30, includeErrorInReport: true },
  );
  t.log(`${checked} queries checked in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.true(checked > 0);
});

// ---------------------------------------------------------------------------------------------
// 2. Examples
// ---------------------------------------------------------------------------------------------

type AccountValue = InferAtom<typeof Account>;

function account(tenant: string, i: number, createdAt: string, extra = ""): AccountValue {
  return {
    tenant,
    id: `a${String(i).padStart(3, "0")}`,
    email: `a${i}.${tenant}@example.com`,
    balance: 10n ** 30n * BigInt(i) - 1n,
    createdAt: new Date(createdAt),
    score: -i - 0.5,
    tags: new Set(["all", `t${i}`]),
    prefs: new Map<string, unknown>([
      ["since", new Date(i)],
      ["n", i],
      ...(extra ? [["blob", extra] as const] : []),
    ]),
    avatar: new Uint8Array([i, 255]),
  };
}

const tenantOf = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

test("byTenantCreated: gte a Date, newest first, items decoded with their own types", async (t) => {
  const { client, store } = open(t);
  const tenant = tenantOf("T");
  const accounts = [
    account(tenant, 1, "2025-12-31T23:59:59.999Z"),
    account(tenant, 2, "2026-01-01T00:00:00.000Z"),
    account(tenant, 3, "2026-03-01T12:00:00.000Z"),
    account(tenant, 4, "-000100-01-01T00:00:00.000Z"),
    account(tenant, 5, "+012000-01-01T00:00:00.000Z"),
    account(tenant, 6, "2026-01-01T00:00:00.001Z"),
  ];
  // Another tenant's account, created in range: not in this partition.
  const other = account(tenantOf("T"), 7, "2026-02-01T00:00:00.000Z");
  await writeItems(
    client,
    [...accounts, other].map((value) => Account.encode(value)),
  );

  const { items, cursor } = await store
    .query(Account)
    .byTenantCreated({ tenant })
    .gte({ createdAt: new Date("2026-01-01") })
    .go({ order: "desc" });
  t.is(cursor, undefined);
  t.deepEqual(
    items.map((item) => item.id),
    ["a005", "a003", "a006", "a002"],
  );
  for (const item of items) {
    const written = accounts.find((value) => value.id === item.id);
    t.is(difference(item, written), undefined, item.id);
  }
  const [first] = items;
  // Typed: these lines compile only if items are Account values.
  const balance: bigint | undefined = first?.balance;
  const created: Date | undefined = first?.createdAt;
  t.is(balance, 10n ** 30n * 5n - 1n);
  t.true(created instanceof Date);
  t.true(first?.tags instanceof Set && first.tags.has("t5"));
  t.true(first?.prefs instanceof Map && first.prefs.get("since") instanceof Date);

  // The oldest first, with a limit: the negative year leads.
  const oldest = await store
    .query(Account)
    .byTenantCreated({ tenant })
    .lt({ createdAt: new Date("2026-01-01") })
    .go({ limit: 1 });
  t.deepEqual(
    oldest.items.map((item) => item.id),
    ["a004"],
  );
  t.not(oldest.cursor, undefined);
  const rest = await store
    .query(Account)
    .byTenantCreated({ tenant })
    .lt({ createdAt: new Date("2026-01-01") })
    .go({ limit: 5, ...(oldest.cursor === undefined ? {} : { cursor: oldest.cursor }) });
  t.deepEqual(
    rest.items.map((item) => item.id),
    ["a001"],
  );
  t.is(rest.cursor, undefined);
});

test("byScore between negative and fractional bounds orders numbers as numbers (API.md §4)", async (t) => {
  const { client, store } = open(t);
  const tenant = tenantOf("S");
  const scores = [13, -10, 9, 12.5, -1.5, 10, 0, -5, -5.000001, 12.500001];
  await writeItems(
    client,
    scores.map((score, i) =>
      Account.encode({ ...account(tenant, i, "2026-01-01T00:00:00Z"), score }),
    ),
  );
  const seen: number[] = [];
  const query = store.query(Account).byScore({ tenant }).between({ score: -5 }, { score: 12.5 });
  for await (const page of query.pages({ limit: 2 })) {
    t.true(page.items.length <= 2);
    seen.push(...page.items.map((item) => item.score));
  }
  t.deepEqual(seen, [-5, -1.5, 0, 9, 10, 12.5]);
  // A query value is kept as is: building a condition on it leaves it unconditioned.
  const base = store.query(Account).byScore({ tenant });
  base.gt({ score: 100 });
  t.is((await base.go()).items.length, scores.length);
});

test("go() without a limit returns every match across DynamoDB's 1 MB pages; limits and cursors span them", async (t) => {
  const { client, store, requests } = open(t);
  const tenant = tenantOf("big");
  const blob = "x".repeat(30_000);
  const accounts = Array.from({ length: 60 }, (_, i) =>
    account(tenant, i, new Date(Date.UTC(2026, 0, 1, 0, 0, 60 - i)).toISOString(), blob),
  );
  await writeItems(
    client,
    accounts.map((value) => Account.encode(value)),
  );
  // Oldest first: created at 00:00:01 (a059) … 00:01:00 (a000).
  const ascending = accounts.map((value) => value.id).reverse();
  const query = store.query(Account).byTenantCreated({ tenant });

  requests.clear();
  const all = await query.go();
  t.deepEqual(
    all.items.map((item) => item.id),
    ascending,
  );
  t.is(all.cursor, undefined);
  t.true(queries(requests) > 1, `one Query for 1.8 MB: ${requests.sent.join()}`);
  t.is(difference(all.items[0], accounts[59]), undefined);

  // pages() without a limit: one DynamoDB page each, so several, linked by cursors.
  const pages = await allPages(query, {});
  t.true(pages.length > 1);
  t.true(pages.slice(0, -1).every((page) => page.cursor !== undefined));
  t.is(pages.at(-1)?.cursor, undefined);
  t.deepEqual(
    pages.flatMap((page) => page.items.map((item) => item.id)),
    ascending,
  );

  // A limit larger than one DynamoDB page: go reads on until it has them.
  requests.clear();
  const first = await query.go({ limit: 45, order: "desc" });
  t.is(first.items.length, 45);
  t.true(queries(requests) > 1);
  t.not(first.cursor, undefined);
  const second = await query.go({
    order: "desc",
    ...(first.cursor === undefined ? {} : { cursor: first.cursor }),
  });
  t.is(second.cursor, undefined);
  t.deepEqual(
    [...first.items, ...second.items].map((item) => item.id),
    [...ascending].reverse(),
  );
});

/** A partition of Row with a few items, and a cursor after the first of them on byS. */
async function rowsWithCursor(t: ExecutionContext) {
  const opened = open(t);
  const p = tenantOf("cursors");
  const rows = ["a", "b", "c", "d"].map((s, i) => ({
    p,
    id: `r${i}`,
    s,
    n: i,
    b: BigInt(i),
    d: new Date(i),
    f: i % 2 === 0,
  }));
  await writeItems(opened.client, [
    ...rows.map((row) => Row.encode(row)),
    ...rows.map((row) => Before.encode(row)),
  ]);
  const page = await opened.store.query(Row).byS({ p }).go({ limit: 1 });
  t.deepEqual(
    page.items.map((item) => item.id),
    ["r0"],
  );
  if (page.cursor === undefined) throw new Error("no cursor after 1 of 4 items");
  opened.requests.clear();
  return { ...opened, p, cursor: page.cursor };
}

test("a cursor resumes its own query, whatever the limit, and from pages() too", async (t) => {
  const { store, p, cursor } = await rowsWithCursor(t);
  const again = await store.query(Row).byS({ p }).go({ cursor, limit: 2 });
  t.deepEqual(
    again.items.map((item) => item.s),
    ["b", "c"],
  );
  const pages = await allPages(store.query(Row).byS({ p }), { cursor, limit: 2 });
  t.deepEqual(
    pages.map((page) => page.items.map((item) => item.s)),
    [["b", "c"], ["d"]],
  );
  // beginsWith "" selects what no condition selects: the same query.
  const same = await store.query(Row).byS({ p }).beginsWith({ s: "" }).go({ cursor });
  t.deepEqual(
    same.items.map((item) => item.s),
    ["b", "c", "d"],
  );
});

test("a cursor of another index, atom type, partition, condition or order is refused, naming the query", async (t) => {
  const { store, p, cursor, requests } = await rowsWithCursor(t);
  const cases: [string, () => Promise<unknown>, RegExp, string][] = [
    [
      "another index",
      () => store.query(Row).byN({ p }).go({ cursor }),
      /^Query on row\.byN: the cursor was made by a query on row\.byS\. A cursor resumes only the query that returned it\.$/,
      "row.byS",
    ],
    [
      "another atom type, same index name",
      () => store.query(Before).byS({ p }).go({ cursor }),
      /^Query on row-a\.byS: the cursor was made by a query on row\.byS\./,
      "row.byS",
    ],
    [
      "another partition",
      () =>
        store
          .query(Row)
          .byS({ p: `${p}x` })
          .go({ cursor }),
      /^Query on row\.byS: the cursor was made by the same index, but a different partition, condition or order\./,
      "row.byS",
    ],
    [
      "another condition",
      () => store.query(Row).byS({ p }).gte({ s: "a" }).go({ cursor }),
      /^Query on row\.byS: the cursor was made by the same index, but a different partition, condition or order\./,
      "row.byS",
    ],
    [
      "another order",
      () => store.query(Row).byS({ p }).go({ cursor, order: "desc" }),
      /^Query on row\.byS: the cursor was made by the same index, but a different partition, condition or order\./,
      "row.byS",
    ],
    [
      "another index, through pages()",
      () => store.query(Row).byD({ p }).pages({ cursor, limit: 3 }).next(),
      /^Query on row\.byD: the cursor was made by a query on row\.byS\./,
      "row.byS",
    ],
    [
      "another order, through pages() without a limit",
      () => store.query(Row).byS({ p }).pages({ cursor, order: "desc" }).next(),
      /^Query on row\.byS: the cursor was made by the same index/,
      "row.byS",
    ],
  ];
  for (const [label, run, message, from] of cases) {
    const err = await t.throwsAsync(run(), undefined, label);
    t.true(isDynatomError(err, "query.cursor-mismatch"), `${label}: ${String(err)}`);
    t.regex(err?.message ?? "", message, label);
    if (isDynatomError(err, "query.cursor-mismatch")) t.is(err.details.cursorFrom, from, label);
  }
  t.deepEqual(requests.sent, [], "a refused cursor sends nothing");
});

test("a cursor that was cut, altered or made up is refused as query.bad-cursor", async (t) => {
  const { store, p, cursor, requests } = await rowsWithCursor(t);
  const body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const bad: [string, unknown][] = [
    ["empty", ""],
    ["garbage", "garbage"],
    ["not base64url", "!!!!"],
    ["cut in half", cursor.slice(0, Math.floor(cursor.length / 2))],
    ["cut by one", cursor.slice(0, -1)],
    ["another version", encode({ ...body, v: 2 })],
    ["no key", encode({ ...body, k: {} })],
    ["a key of other attributes", encode({ ...body, k: { pk: "x", sk: "y" } })],
    ["a key value not a string", encode({ ...body, k: { ...body.k, sk: 1 } })],
    ["JSON, not an object", encode("cursor")],
    ["not a string", 42],
  ];
  for (const [label, text] of bad) {
    const err = await t.throwsAsync(
      store
        .query(Row)
        .byS({ p })
        .go({ cursor: text as string }),
      undefined,
      label,
    );
    t.true(isDynatomError(err, "query.bad-cursor"), `${label}: ${String(err)}`);
    t.regex(
      err?.message ?? "",
      /^Query on row\.byS: the cursor is not one dynatom made \(or it was cut or altered\)/,
      label,
    );
  }
  t.deepEqual(requests.sent, [], "a refused cursor sends nothing");
});

test("a cursor whose key was moved to another partition is refused as query.bad-cursor", async (t) => {
  const { store, p, cursor, requests } = await rowsWithCursor(t);
  const body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  const moved = Object.fromEntries(
    Object.entries(body.k as Record<string, string>).map(([name, value]) => [
      name,
      value.replace(p, `${p}-elsewhere`),
    ]),
  );
  const altered = Buffer.from(JSON.stringify({ ...body, k: moved })).toString("base64url");
  const err = await t.throwsAsync(store.query(Row).byS({ p }).go({ cursor: altered }));
  t.true(isDynatomError(err, "query.bad-cursor"), String(err));
  t.deepEqual(requests.sent, []);
});

test("a cursor whose key was moved forward within its range is refused as query.bad-cursor", async (t) => {
  const { store, p, cursor, requests } = await rowsWithCursor(t);
  const body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  const moved = Object.fromEntries(
    Object.entries(body.k as Record<string, string>).map(([name, value]) => [
      name,
      name.endsWith("sk") && name !== "sk" ? `${value}~` : value,
    ]),
  );
  const altered = Buffer.from(JSON.stringify({ ...body, k: moved })).toString("base64url");
  const err = await t.throwsAsync(store.query(Row).byS({ p }).go({ cursor: altered }));
  t.true(isDynatomError(err, "query.bad-cursor"), String(err));
  t.deepEqual(requests.sent, []);
});

test("conditions that do not fit the index are refused when built, naming atom.index", (t) => {
  const store = createStore({ table: "query-no-requests", atoms: ATOMS });
  t.teardown(() => store.close());
  const account = store.query(Account);
  const row = store.query(Row);
  const loose = <T>(query: T) => query as unknown as Loose<unknown>;
  const cases: [string, () => unknown, RegExp][] = [
    [
      "a field that is not the first sort field",
      () => loose(row.byDN({ p: "x" })).gt({ n: 1 }),
      /^Query on row\.byDN: a condition takes the index's sort fields from the first one, in order \(d, n\); got n\.$/,
    ],
    [
      "sort fields out of order",
      () => loose(row.byDN({ p: "x" })).gte({ n: 1, d: new Date(0) }),
      /^Query on row\.byDN: a condition takes .*\(d, n\); got n, d\.$/,
    ],
    [
      "no field at all",
      () => loose(row.byS({ p: "x" })).eq({}),
      /^Query on row\.byS: a condition takes .*\(s\); got none\.$/,
    ],
    [
      "a field that is not a sort field",
      () => loose(account.byTenantCreated({ tenant: "t" })).gte({ score: 1 }),
      /^Query on account\.byTenantCreated: a condition takes .*\(createdAt\); got score\.$/,
    ],
    [
      "a string for a Date",
      () => loose(account.byTenantCreated({ tenant: "t" })).gte({ createdAt: "2026-01-01" }),
      /^Query on account\.byTenantCreated: the field "createdAt" holds a Date, not a string\.$/,
    ],
    [
      "a number for a bigint",
      () => loose(row.byB({ p: "x" })).lt({ b: 1 }),
      /^Query on row\.byB: the field "b" holds a bigint, not a number\.$/,
    ],
    [
      "a Date for a number",
      () => loose(row.byDN({ p: "x" })).eq({ d: new Date(0), n: new Date(0) }),
      /^Query on row\.byDN: the field "n" holds a number, not a Date\.$/,
    ],
    [
      "beginsWith on a number",
      () => loose(account.byScore({ tenant: "t" })).beginsWith({ score: 1 }),
      /^Query on account\.byScore: beginsWith needs a string for "score"\.$/,
    ],
    [
      "beginsWith on a Date",
      () => loose(account.byTenantCreated({ tenant: "t" })).beginsWith({ createdAt: new Date() }),
      /^Query on account\.byTenantCreated: beginsWith needs a string for "createdAt"\.$/,
    ],
    [
      "a condition on an index without a sort key",
      () => loose(account.byEmail({ email: "a@b.co" })).gt({ email: "a" }),
      /^Query on account\.byEmail: the index has no sort key, so it takes no sort condition\.$/,
    ],
    [
      "between on an index without a sort key",
      () => loose(account.byEmail({ email: "a@b.co" })).between({}, {}),
      /^Query on account\.byEmail: the index has no sort key/,
    ],
    [
      "between with other fields at each end",
      () => loose(row.byDN({ p: "x" })).between({ d: new Date(0) }, { d: new Date(1), n: 2 }),
      /^Query on row\.byDN: between takes the same fields on both ends\.$/,
    ],
    ["NaN", () => loose(row.byN({ p: "x" })).gt({ n: Number.NaN }), /^Query on row\.byN: .*NaN/],
    [
      "an invalid Date",
      () => loose(row.byD({ p: "x" })).lte({ d: new Date(Number.NaN) }),
      /^Query on row\.byD: .*invalid Date/,
    ],
    [
      "a lone surrogate",
      () => loose(row.byS({ p: "x" })).eq({ s: "a\uD800" }),
      /^Query on row\.byS: .*lone surrogate/,
    ],
    [
      "a partition without its field",
      () => (account.byTenantCreated as (fields: object) => unknown)({}),
      /^Query on account\.byTenantCreated: the partition is given by exactly tenant; got none\.$/,
    ],
    [
      "a partition with another field",
      () => (account.byTenantCreated as (fields: object) => unknown)({ tenant: "t", id: "x" }),
      /^Query on account\.byTenantCreated: the partition is given by exactly tenant; got tenant, id\.$/,
    ],
    [
      "a partition of the wrong type",
      () => (account.byTenantCreated as (fields: object) => unknown)({ tenant: 1 }),
      /^Query on account\.byTenantCreated: the field "tenant" holds a string, not a number\.$/,
    ],
    [
      "a partition holding a lone surrogate",
      () => row.byS({ p: "\uDC00" }),
      /^Query on row\.byS: .*lone surrogate/,
    ],
  ];
  for (const [label, build, message] of cases) {
    const err = t.throws(build, undefined, label);
    t.true(isDynatomError(err, "query.invalid-condition"), `${label}: ${String(err)}`);
    t.regex(err?.message ?? "", message, label);
    if (isDynatomError(err, "query.invalid-condition")) {
      t.is(typeof err.details.reason, "string", label);
      t.is(err.message.startsWith(`Query on ${err.details.atom}.${err.details.index}: `), true);
    }
  }
});

test("a condition that is not an object is refused as query.invalid-condition", (t) => {
  const store = createStore({ table: "query-no-requests", atoms: ATOMS });
  t.teardown(() => store.close());
  const byS = store.query(Row).byS({ p: "x" }) as unknown as Loose<unknown>;
  for (const build of [
    () => byS.gt(null as unknown as Fields),
    () => byS.between({ s: "a" }, undefined as unknown as Fields),
  ]) {
    const err = t.throws(build);
    t.true(isDynatomError(err, "query.invalid-condition"), String(err));
  }
});

test('values with "#", space or "!" in the first of several sort fields sort and select exactly', async (t) => {
  const { client, store } = open(t);
  const p = tenantOf("hash");
  const names = ["Smit", "Smith", "Smith Jr", "Smith!", "a", "a#b", "b"];
  await writeItems(
    client,
    names.map((s, i) => Pair.encode({ p, id: String(i), s, n: 1 })),
  );
  const bySN = store.query(Pair).bySN({ p });
  // In value order: "Smit" < "Smith" < "Smith Jr" < "Smith!" < "a" < "a#b" < "b".
  const conditions: [string, RunnableQuery<{ s: string }>, string[]][] = [
    ["all", bySN, names],
    ['gt { s: "Smith" }', bySN.gt({ s: "Smith" }), ["Smith Jr", "Smith!", "a", "a#b", "b"]],
    ['lte { s: "Smith" }', bySN.lte({ s: "Smith" }), ["Smit", "Smith"]],
    ['eq { s: "Smith" }', bySN.eq({ s: "Smith" }), ["Smith"]],
    ['beginsWith { s: "Smith" }', bySN.beginsWith({ s: "Smith" }), ["Smith", "Smith Jr", "Smith!"]],
    ['gt { s: "a#" }', bySN.gt({ s: "a#" }), ["a#b", "b"]],
    ['beginsWith { s: "a#n_" }', bySN.beginsWith({ s: "a#n_" }), []],
    ['between { s: "a#" } and { s: "a#z" }', bySN.between({ s: "a#" }, { s: "a#z" }), ["a#b"]],
    ['lte { s: "a#" }', bySN.lte({ s: "a#" }), ["Smit", "Smith", "Smith Jr", "Smith!", "a"]],
  ];
  for (const [label, query, right] of conditions) {
    t.deepEqual(
      (await query.go()).items.map((item) => item.s),
      right,
      label,
    );
    t.deepEqual(
      (await query.go({ order: "desc" })).items.map((item) => item.s),
      [...right].reverse(),
      `${label}, desc`,
    );
  }
});

test("bad limits and orders are refused by go and pages before anything is sent", async (t) => {
  const { store, requests } = open(t);
  const query = store.query(Row).byS({ p: "nothing" });
  const bad = [{ limit: 0 }, { limit: -1 }, { limit: 2.5 }, { order: "up" }] as QueryOptions[];
  for (const options of bad) {
    const label = JSON.stringify(options);
    const viaGo = await t.throwsAsync(query.go(options), undefined, label);
    t.true(isDynatomError(viaGo, "query.invalid-condition"), label);
    t.regex(viaGo?.message ?? "", /^Query on row\.byS: (limit|order) must be/, label);
    const viaPages = await t.throwsAsync(query.pages(options).next(), undefined, label);
    t.true(isDynatomError(viaPages, "query.invalid-condition"), label);
  }
  t.deepEqual(requests.sent, []);
});

test("an empty range (between from > to, below the least value) returns nothing and sends nothing", async (t) => {
  const { client, store, requests } = open(t);
  const p = tenantOf("empty");
  const rows = [-1, 0, 1].map((n) => ({
    p,
    id: `e${n}`,
    s: String(n),
    n,
    b: BigInt(n),
    d: new Date(n),
    f: n > 0,
  }));
  await writeItems(
    client,
    rows.map((row) => Row.encode(row)),
  );
  requests.clear();
  const rowQuery = store.query(Row);
  const empties: [string, RunnableQuery<RowValue>][] = [
    ["between 1 and -1", rowQuery.byN({ p }).between({ n: 1 }, { n: -1 })],
    ["between true and false", rowQuery.byF({ p }).between({ f: true }, { f: false })],
    ["between b and a", rowQuery.byS({ p }).between({ s: "b" }, { s: "a" })],
    ["lt the empty string", rowQuery.byS({ p }).lt({ s: "" })],
    [
      "between later and earlier, on the first of two fields",
      rowQuery.byDN({ p }).between({ d: new Date(1) }, { d: new Date(0) }),
    ],
    [
      "between on two fields, from above to",
      rowQuery.byDN({ p }).between({ d: new Date(0), n: 1 }, { d: new Date(0), n: 0 }),
    ],
  ];
  for (const [label, query] of empties) {
    for (const order of ["asc", "desc"] as const) {
      t.deepEqual(await query.go({ order }), { items: [] }, label);
      t.deepEqual(await query.go({ order, limit: 1 }), { items: [] }, label);
      t.deepEqual(await allPages(query, { order }), [{ items: [] }], label);
    }
  }
  t.deepEqual(requests.sent, [], "an empty range needs no request");
  // The same bounds the right way round do find items, so the queries above were not vacuous.
  t.is((await rowQuery.byN({ p }).between({ n: -1 }, { n: 1 }).go()).items.length, 3);
  t.is((await rowQuery.byF({ p }).between({ f: false }, { f: true }).go()).items.length, 3);
  t.is((await rowQuery.byN({ p }).between({ n: 1 }, { n: 1 }).go()).items.length, 1);
});

test("key values keep their case: partitions T1 and t1, and sort values, are different", async (t) => {
  const { client, store } = open(t);
  const upper = tenantOf("T1");
  const lower = upper.toLowerCase();
  t.not(upper, lower);
  await writeItems(client, [
    Account.encode(account(upper, 1, "2026-01-01T00:00:00Z")),
    Account.encode(account(upper, 2, "2026-01-02T00:00:00Z")),
    Account.encode(account(lower, 3, "2026-01-03T00:00:00Z")),
  ]);
  const ids = async (tenant: string) =>
    (await store.query(Account).byTenantCreated({ tenant }).go()).items.map((item) => item.id);
  t.deepEqual(await ids(upper), ["a001", "a002"]);
  t.deepEqual(await ids(lower), ["a003"]);
  const email = `a3.${lower}@example.com`;
  t.deepEqual(
    (await store.query(Account).byEmail({ email }).go()).items.map((item) => item.tenant),
    [lower],
  );
  t.deepEqual((await store.query(Account).byEmail({ email: email.toUpperCase() }).go()).items, []);

  const p = tenantOf("case");
  await writeItems(
    client,
    ["apple", "Apple", "APPLE", "banana"].map((s, i) =>
      Row.encode({ p, id: `c${i}`, s, n: i, b: 0n, d: new Date(0), f: false }),
    ),
  );
  const byS = store.query(Row).byS({ p });
  t.deepEqual(
    (await byS.beginsWith({ s: "a" }).go()).items.map((item) => item.s),
    ["apple"],
  );
  t.deepEqual(
    (await byS.beginsWith({ s: "A" }).go()).items.map((item) => item.s),
    ["APPLE", "Apple"],
  );
  t.deepEqual(
    (await byS.go()).items.map((item) => item.s),
    ["APPLE", "Apple", "apple", "banana"],
  );
});

test("an index without a sort key: byEmail pages through its partition", async (t) => {
  const { client, store, requests } = open(t);
  const tenant = tenantOf("email");
  const email = `${randomUUID()}@example.com`;
  await writeItems(client, [
    Account.encode({ ...account(tenant, 1, "2026-01-01T00:00:00Z"), email }),
    Account.encode({ ...account(tenant, 2, "2026-01-01T00:00:00Z"), email }),
    Account.encode(account(tenant, 3, "2026-01-01T00:00:00Z")),
  ]);
  requests.clear();
  const page = await store.query(Account).byEmail({ email }).go({ limit: 1 });
  t.is(page.items.length, 1);
  t.not(page.cursor, undefined);
  const rest = await store
    .query(Account)
    .byEmail({ email })
    .go({ ...(page.cursor === undefined ? {} : { cursor: page.cursor }) });
  t.deepEqual([...page.items, ...rest.items].map((item) => item.id).sort(), ["a001", "a002"]);
  t.is(queries(requests), 2);
});

test("an atom type the store does not know is refused", (t) => {
  const store = createStore({ table: "query-no-requests", atoms: [Counter] });
  t.teardown(() => store.close());
  // @ts-expect-error: a compile error too; the run-time check is for callers tsc does not see
  const err = t.throws(() => store.query(Account));
  t.true(isDynatomError(err, "store.unknown-atom"));
});

// ---------------------------------------------------------------------------------------------
// 3. The table's own key
// ---------------------------------------------------------------------------------------------

/** Another atom type whose items share Account's table partitions (same partition field). */
const Note = defineAtom({
  name: "account-note",
  version: 1,
  schema: v.object({ tenant: v.string(), id: v.string(), text: v.string() }),
  key: { pk: ["tenant"], sk: ["id"] },
});

test("primary queries a tenant's items on the table's own key: consistent when asked, only its type", async (t) => {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const sent = recordInputs(client);
  const store = createStore({ table, atoms: [Account, Note], client });
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  const tenant = tenantOf("primary");
  // Swapped in just now: a consistent read must see every one of them.
  for (const i of [1, 2, 3, 12]) {
    await store
      .atom(Account, { tenant, id: account(tenant, i, "2026-01-01").id })
      .reset(account(tenant, i, "2026-01-01"));
    await store
      .atom(Note, { tenant, id: `a${i}` })
      .reset({ tenant, id: `a${i}`, text: "not an account" });
  }
  sent.length = 0;
  const all = await store.query(Account).primary({ tenant }).go({ consistent: true });
  t.deepEqual(
    all.items.map((item) => item.id),
    ["a001", "a002", "a003", "a012"],
  );
  t.like(sent[0], {
    ConsistentRead: true,
    KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :sk)",
  });
  t.false("IndexName" in (sent[0] ?? {}), "the table itself, no index");
  const some = await store
    .query(Account)
    .primary({ tenant })
    .beginsWith({ id: "a00" })
    .go({ order: "desc", limit: 2 });
  t.deepEqual(
    some.items.map((item) => item.id),
    ["a003", "a002"],
  );
  t.false("ConsistentRead" in (sent.at(-1) ?? {}), "eventually consistent unless asked");
  const rest = await store
    .query(Account)
    .primary({ tenant })
    .beginsWith({ id: "a00" })
    .go({ order: "desc", ...(some.cursor === undefined ? {} : { cursor: some.cursor }) });
  t.deepEqual(
    rest.items.map((item) => item.id),
    ["a001"],
  );
  const notes = await store
    .query(Note)
    .primary({ tenant })
    .lte({ id: "a2" })
    .go({ consistent: true });
  t.deepEqual(
    notes.items.map((note) => note.id),
    ["a1", "a12", "a2"],
  );
  // A cursor of one query is refused by another.
  const cursor = some.cursor ?? "";
  const mismatch = await t.throwsAsync(store.query(Account).byScore({ tenant }).go({ cursor }));
  t.true(isDynatomError(mismatch, "query.cursor-mismatch"), String(mismatch));
});

test("a GSI cannot be read consistently: asking for it is refused before any request", async (t) => {
  const { store, requests } = open(t);
  const err = await t.throwsAsync(
    store.query(Account).byScore({ tenant: "t" }).go({ consistent: true }),
  );
  t.true(isDynatomError(err, "query.invalid-condition"), String(err));
  t.regex(String(err), /account\.byScore.*primary/);
  t.is(queries(requests), 0);
});

test("an index may not be named primary: that name is the table's own key", (t) => {
  const err = t.throws(() =>
    defineAtom({
      name: "clash",
      version: 1,
      schema: v.object({ id: v.string(), at: v.string() }),
      key: ["id"],
      indexes: { primary: { pk: ["at"] } },
    }),
  );
  t.true(isDynatomError(err, "definition.invalid"), String(err));
});

test("select reads and returns only the fields asked for, typed, pages and cursors kept", async (t) => {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const sent = recordInputs(client);
  const store = createStore({ table, atoms: [Account], client });
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  const tenant = tenantOf("select");
  await store.putItems(
    Account,
    [1, 2, 3, 4, 5].map((i) => account(tenant, i, "2026-01-01")),
  );
  const query = store.query(Account).byScore({ tenant }).select(["id", "balance", "tags"]);
  const first = await query.go({ limit: 2, order: "desc" });
  t.deepEqual(first.items, [
    { id: "a001", balance: 10n ** 30n - 1n, tags: new Set(["all", "t1"]) },
    { id: "a002", balance: 2n * 10n ** 30n - 1n, tags: new Set(["all", "t2"]) },
  ]);
  const names = Object.values((sent.at(-1)?.ExpressionAttributeNames ?? {}) as object);
  t.true(
    ["id", "balance", "tags", "_types"].every((name) => names.includes(name)),
    String(names),
  );
  t.false(["email", "prefs", "createdAt", "_writes"].some((name) => names.includes(name)));
  const rest = await query.go({
    order: "desc",
    ...(first.cursor === undefined ? {} : { cursor: first.cursor }),
  });
  t.deepEqual(
    rest.items.map((item) => item.id),
    ["a003", "a004", "a005"],
  );
  t.is(await store.query(Account).primary({ tenant }).select(["score"]).count(), 5);
  const err = t.throws(() =>
    store
      .query(Account)
      .byScore({ tenant })
      // @ts-expect-error: not a field of Account
      .select(["nope"]),
  );
  t.true(isDynatomError(err, "query.invalid-condition"), String(err));
});
