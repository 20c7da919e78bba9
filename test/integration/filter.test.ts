// `where` filters on queries and scans: exactly the rows an independent model keeps, in order,
// with `limit` counting matches across pages, whatever the stored forms (numbers DynamoDB cannot
// hold, bigints over 38 digits, Dates of five-digit years, strings with lone surrogates,
// `undefined` fields), and under `not`, where DynamoDB's filter must stay a superset.
import test from "ava";
import {
  createStore,
  defineAtom,
  type InferAtom,
  isDynatomError,
  type Where,
  type WhereOps,
} from "dynatom";
import fc from "fast-check";
import * as v from "valibot";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const Row = defineAtom({
  name: "frow",
  version: 1,
  schema: v.object({
    p: v.string(),
    id: v.string(),
    s: v.string(),
    n: v.number(),
    b: v.bigint(),
    d: v.date(),
    f: v.boolean(),
    o: v.optional(v.string()),
    tags: v.array(v.string()),
    m: v.object({ x: v.number() }),
  }),
  key: { pk: ["p"], sk: ["id"] },
  indexes: { byN: { pk: ["p"], sk: ["n"] } },
});
type RowValue = InferAtom<typeof Row>;

/** Another type in the same partitions: never in a result. */
const Other = defineAtom({
  name: "frow-other",
  version: 1,
  schema: v.object({ p: v.string(), id: v.string(), n: v.number(), s: v.string() }),
  key: { pk: ["p"], sk: ["id"] },
});

// ---------------------------------------------------------------------------------------------
// The model: what each condition means, written apart from the library's evaluator
// ---------------------------------------------------------------------------------------------

type Field = "s" | "n" | "b" | "d" | "f" | "o" | "tags" | "mx";
type Node =
  | { k: "cmp"; op: "eq" | "ne" | "lt" | "lte" | "gt" | "gte"; field: Field; value: unknown }
  | { k: "between"; field: Field; lo: unknown; hi: unknown }
  | { k: "exists" | "notExists"; field: Field }
  | { k: "beginsWith"; field: "s" | "o"; value: string }
  | { k: "contains"; field: "s" | "tags"; value: string }
  | { k: "and" | "or"; parts: Node[] }
  | { k: "not"; part: Node };

function get(row: RowValue, field: Field): unknown {
  return field === "mx" ? row.m.x : row[field];
}

/** DynamoDB's string order: UTF-8 bytes of the stored form (a lone surrogate stored escaped). */
function utf8(s: string): Buffer {
  return Buffer.from(s.isWellFormed() ? s : JSON.stringify(s));
}

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === "number" && typeof b === "number")
    return Number.isNaN(a) || Number.isNaN(b) ? undefined : Math.sign(a - b) || 0;
  if (typeof a === "bigint" && typeof b === "bigint") return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === "string" && typeof b === "string") return Buffer.compare(utf8(a), utf8(b));
  if (a instanceof Date && b instanceof Date) return compare(a.getTime(), b.getTime());
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : undefined;
  return undefined;
}

function equals(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return compare(a, b) === 0;
}

function model(node: Node, row: RowValue): boolean {
  switch (node.k) {
    case "and":
      return node.parts.every((part) => model(part, row));
    case "or":
      return node.parts.some((part) => model(part, row));
    case "not":
      return !model(node.part, row);
    case "exists":
      return get(row, node.field) !== undefined;
    case "notExists":
      return get(row, node.field) === undefined;
    case "beginsWith": {
      const field = get(row, node.field);
      return (
        typeof field === "string" &&
        utf8(field).subarray(0, utf8(node.value).length).equals(utf8(node.value)) &&
        utf8(field).length >= utf8(node.value).length
      );
    }
    case "contains": {
      const field = get(row, node.field);
      if (Array.isArray(field)) return field.some((tag) => tag === node.value);
      return typeof field === "string" && utf8(field).includes(utf8(node.value));
    }
    case "between": {
      const field = get(row, node.field);
      const lo = compare(field, node.lo);
      const hi = compare(field, node.hi);
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
    case "cmp": {
      const field = get(row, node.field);
      if (node.op === "eq") return equals(field, node.value);
      if (node.op === "ne") return !equals(field, node.value);
      const sign = compare(field, node.value);
      if (sign === undefined) return false;
      return { lt: sign < 0, lte: sign <= 0, gt: sign > 0, gte: sign >= 0 }[node.op];
    }
  }
}

/** The node as a `where` callback. */
function whereOf(node: Node) {
  return (row: Record<string, unknown>, ops: WhereOps): Where => {
    const ref = (field: Field): never =>
      (field === "mx" ? (row.m as { x: number }).x : row[field]) as never;
    const build = (n: Node): Where => {
      switch (n.k) {
        case "and":
          return ops.and(...n.parts.map(build));
        case "or":
          return ops.or(...n.parts.map(build));
        case "not":
          return ops.not(build(n.part));
        case "exists":
          return ops.exists(ref(n.field));
        case "notExists":
          return ops.notExists(ref(n.field));
        case "beginsWith":
          return ops.beginsWith(ref(n.field), n.value);
        case "contains":
          return ops.contains(ref(n.field) as string, n.value);
        case "between":
          return ops.between(ref(n.field), n.lo as never, n.hi as never);
        case "cmp":
          return (ops[n.op] as (field: never, value: never) => Where)(
            ref(n.field),
            n.value as never,
          );
      }
    };
    return build(node);
  };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const anyS = fc.oneof(
  fc.constantFrom("", "a", "ab", "b", "é", "😀", "\uFFFF", "\ud800", "a\udc00", '"', "\\"),
  fc.string({ unit: fc.constantFrom("a", "b", "é", "😀", "\uFFFF", "\ud800", '"'), maxLength: 3 }),
);
/** What a number field may hold: valibot's `v.number()` refuses NaN. */
const anyN = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(-0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, 5e-324, 0.1),
);
/** What a condition may compare a number field with: NaN too. */
const anyNOperand = fc.oneof(anyN, fc.constant(Number.NaN));
const anyB = fc.oneof(
  fc.bigInt({ min: -3n, max: 3n }),
  fc.constantFrom(10n ** 38n, -(10n ** 38n), 10n ** 37n, 10n ** 40n + 1n, -(10n ** 45n)),
);
const anyD = fc.oneof(
  fc.integer({ min: -2, max: 2 }).map((ms) => new Date(ms)),
  fc.date({ noInvalidDate: true }),
  fc
    .constantFrom(
      "+010000-01-01T00:00:00.000Z",
      "-000001-12-31T23:59:59.999Z",
      "9999-12-31T23:59:59.999Z",
    )
    .map((iso) => new Date(iso)),
);
const anyRow = fc.record({
  s: anyS,
  n: anyN,
  b: anyB,
  d: anyD,
  f: fc.boolean(),
  o: fc.option(anyS, { nil: undefined }),
  tags: fc.array(anyS, { maxLength: 3 }),
  mx: anyN,
});

const valueFor: Record<Field, fc.Arbitrary<unknown>> = {
  s: anyS,
  o: anyS,
  n: anyNOperand,
  mx: anyNOperand,
  b: anyB,
  d: anyD,
  f: fc.boolean(),
  tags: anyS,
};
const ordered: Field[] = ["s", "o", "n", "mx", "b", "d"];

const anyLeaf: fc.Arbitrary<Node> = fc.oneof(
  fc
    .record({
      op: fc.constantFrom("eq", "ne", "lt", "lte", "gt", "gte"),
      field: fc.constantFrom(...ordered),
    })
    .chain(({ op, field }) =>
      valueFor[field].map((value): Node => ({ k: "cmp", op, field, value })),
    ),
  fc.boolean().map((value): Node => ({ k: "cmp", op: "eq", field: "f", value })),
  fc
    .constantFrom(...ordered)
    .chain((field) =>
      fc
        .tuple(valueFor[field], valueFor[field])
        .map(([lo, hi]): Node => ({ k: "between", field, lo, hi })),
    ),
  fc.record({
    k: fc.constantFrom("exists", "notExists"),
    field: fc.constantFrom<Field>("o", "s"),
  }) as fc.Arbitrary<Node>,
  fc
    .record({ field: fc.constantFrom<"s" | "o">("s", "o"), value: anyS })
    .map((r): Node => ({ k: "beginsWith", ...r })),
  fc
    .record({ field: fc.constantFrom<"s" | "tags">("s", "tags"), value: anyS })
    .map((r): Node => ({ k: "contains", ...r })),
);
const { node: anyNode } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    anyLeaf,
    fc.record({
      k: fc.constantFrom<"and" | "or">("and", "or"),
      parts: fc.array(tie("node"), { minLength: 1, maxLength: 3 }),
    }) as fc.Arbitrary<Node>,
    tie("node").map((part): Node => ({ k: "not", part })),
  ),
}));

function rowValue(
  p: string,
  i: number,
  r: typeof anyRow extends fc.Arbitrary<infer R> ? R : never,
): RowValue {
  const { mx, o, ...rest } = r;
  return {
    p,
    id: `r${String(i).padStart(3, "0")}`,
    ...rest,
    ...(o === undefined ? {} : { o }),
    m: { x: mx },
  };
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

test("query and scan filters keep exactly the model's rows, in order, with limit counting matches", async (t) => {
  const store = createStore({
    table: dynamo().tableName("filter"),
    atoms: [Row, Other],
    client: dynamo().client,
  });
  t.teardown(() => store.close());
  await store.ensureTable({ stream: false });
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(anyRow, { maxLength: 25 }),
      fc.array(
        fc.record({
          node: anyNode,
          limit: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      async (drawn, queries) => {
        await check(drawn, queries);
      },
    ),
    { numRuns: 100 },
  );

  async function check(
    drawn: readonly (typeof anyRow extends fc.Arbitrary<infer R> ? R : never)[],
    queries: readonly { node: Node; limit: number | undefined }[],
  ) {
    const p = `p${run++}`;
    const rows = drawn.map((r, i) => rowValue(p, i, r));
    await store.putItems(Row, rows);
    await store.putItems(
      Other,
      rows.slice(0, 3).map((r) => ({ p, id: r.id, n: 1, s: "a" })),
    );
    for (const { node, limit } of queries) {
      const expected = rows.filter((row) => model(node, row)).map((row) => row.id);
      // Pages of `limit` matches each, through cursors, on the table's key.
      const got: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await store
          .query(Row)
          .primary({ p })
          .where(whereOf(node))
          .go({
            ...(limit === undefined ? {} : { limit }),
            ...(cursor === undefined ? {} : { cursor }),
            consistent: true,
          });
        if (limit !== undefined) t.true(page.items.length <= limit);
        got.push(...page.items.map((row) => row.id));
        if (page.cursor === undefined) break;
        cursor = page.cursor;
      }
      t.deepEqual(
        got,
        expected,
        JSON.stringify(node, (_, x) => (typeof x === "bigint" ? `${x}n` : x)),
      );
      t.is(
        await store.query(Row).primary({ p }).where(whereOf(node)).count({ consistent: true }),
        expected.length,
      );
      const picked = await store
        .query(Row)
        .primary({ p })
        .where(whereOf(node))
        .select(["id"])
        .go({ consistent: true });
      t.deepEqual(
        picked.items,
        expected.map((id) => ({ id })),
      );
      const scanned: string[] = [];
      for await (const page of store.scan(Row, {
        consistent: true,
        segments: 2,
        filter: whereOf(node),
      })) {
        scanned.push(...page.items.filter((row) => row.p === p).map((row) => row.id));
      }
      t.deepEqual(scanned.sort(), [...expected].sort());
    }
  }
});

test("a filter on an index query combines with its sort condition and its order", async (t) => {
  const store = createStore({
    table: dynamo().tableName("filter-index"),
    atoms: [Row],
    client: dynamo().client,
  });
  t.teardown(() => store.close());
  await store.ensureTable({ stream: false });
  const rows = Array.from({ length: 40 }, (_, i) =>
    rowValue("q", i, {
      s: i % 2 ? "odd" : "even",
      n: i,
      b: BigInt(i),
      d: new Date(i),
      f: i % 3 === 0,
      o: undefined,
      tags: i % 5 ? [] : ["five"],
      mx: i,
    }),
  );
  await store.putItems(Row, rows);
  const page = await store
    .query(Row)
    .byN({ p: "q" })
    .gte({ n: 10 })
    .where((r, { and, eq, not, contains }) => and(eq(r.s, "odd"), not(contains(r.tags, "five"))))
    .go({ order: "desc", limit: 3 });
  t.deepEqual(
    page.items.map((r) => r.n),
    [39, 37, 33],
  );
  t.truthy(page.cursor);
  const rest = await store
    .query(Row)
    .byN({ p: "q" })
    .gte({ n: 10 })
    .where((r, { and, eq, not, contains }) => and(eq(r.s, "odd"), not(contains(r.tags, "five"))))
    .go({ order: "desc", cursor: page.cursor as string });
  t.deepEqual(
    rest.items.map((r) => r.n),
    [31, 29, 27, 23, 21, 19, 17, 13, 11],
  );
});

test("a condition that is not made of the operators, or names no field, is refused with filter.invalid", async (t) => {
  const store = createStore({ table: "unused", atoms: [Row], client: dynamo().client });
  const query = store.query(Row).primary({ p: "x" });
  const cases: unknown[] = [
    () => ({}),
    (_: RowValue, { eq }: WhereOps) => eq(5 as never, 5 as never),
    (r: Record<string, unknown>, { eq }: WhereOps) => eq(r.nope, 1),
    (r: RowValue, { gt }: WhereOps) => gt(r.f as never, true as never),
    (r: RowValue, { eq }: WhereOps) => eq(r.n, r.n),
    (_: RowValue, { and }: WhereOps) => and(),
    "not a function",
  ];
  for (const fn of cases) {
    const error = t.throws(() => query.where(fn as never));
    t.true(isDynatomError(error, "filter.invalid"), String(error));
    t.regex(error?.message ?? "", /frow/);
  }
  await t.throwsAsync(() => store.scan(Row, { filter: (() => ({})) as never }).next(), {
    code: "filter.invalid",
  } as never);
});
