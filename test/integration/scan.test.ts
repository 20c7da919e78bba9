// store.scan: every item of one atom type exactly once, whatever the segments, concurrency and
// page size; other types' items never; throttled pages read again; no more requests in flight
// than asked.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, type InferAtom, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import fc from "fast-check";
import * as v from "valibot";
import { Account } from "../helpers/atoms.js";
import { difference } from "../helpers/same.js";
import { answered } from "../helpers/sdk-errors.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

/** Another type in the same table, on the same partitions as Account's items. */
const Note = defineAtom({
  name: "account-note",
  version: 1,
  schema: v.object({ tenant: v.string(), id: v.string(), text: v.string() }),
  key: { pk: ["tenant"], sk: ["id"] },
});

type AccountValue = InferAtom<typeof Account>;

function account(i: number): AccountValue {
  return {
    tenant: `t${i % 7}`,
    id: `a${String(i).padStart(4, "0")}`,
    email: `a${i}@example.com`,
    balance: 10n ** 30n * BigInt(i) - 1n,
    createdAt: new Date(1_700_000_000_000 + i),
    score: i / 3,
    tags: new Set([`t${i % 3}`]),
    prefs: new Map<string, unknown>([["n", i]]),
  };
}

const ACCOUNTS = Array.from({ length: 240 }, (_, i) => account(i));
const byId = new Map(ACCOUNTS.map((a) => [`${a.tenant}/${a.id}`, a]));
let table = "";

test.before(async () => {
  table = dynamo().tableName("scan");
  const store = createStore({ table, atoms: [Account, Note], client: dynamo().client });
  await store.ensureTable({ stream: false });
  await store.putItems(Account, ACCOUNTS);
  await store.putItems(
    Note,
    Array.from({ length: 120 }, (_, i) => ({ tenant: `t${i % 7}`, id: `a${i}`, text: "note" })),
  );
  await store.close();
});

/** A store on the table through a client of its own, with a hook on every Scan it sends. */
function open(t: { teardown(fn: () => Promise<void>): void }, onScan?: (input: object) => void) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  let inFlight = 0;
  const seen = { requests: 0, most: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "ScanCommand") return next(args);
      seen.requests++;
      seen.most = Math.max(seen.most, ++inFlight);
      try {
        onScan?.(args.input as object);
        return await next(args);
      } finally {
        inFlight--;
      }
    },
    { step: "initialize", name: "scanHook" },
  );
  const store = createStore({ table, atoms: [Account, Note], client });
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  return { store, seen };
}

/** Checks a scan's values: each of the accounts exactly once, decoded as written. */
function exactlyTheAccounts(values: readonly AccountValue[]): string | undefined {
  if (values.length !== ACCOUNTS.length) return `${values.length} values, not ${ACCOUNTS.length}`;
  const ids = new Set<string>();
  for (const value of values) {
    const id = `${value.tenant}/${value.id}`;
    if (ids.has(id)) return `${id} came twice`;
    ids.add(id);
    const diff = difference(value, byId.get(id));
    if (diff) return `${id} decoded differently: ${diff}`;
  }
  return undefined;
}

test("every account exactly once, whatever the segments, concurrency and page size", async (t) => {
  const { store, seen } = open(t);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 6 }),
      fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      fc.option(fc.integer({ min: 5, max: 400 }), { nil: undefined }),
      fc.boolean(),
      async (segments, concurrency, limit, consistent) => {
        seen.most = 0;
        const values: AccountValue[] = [];
        for await (const page of store.scan(Account, {
          segments,
          consistent,
          ...(concurrency === undefined ? {} : { concurrency }),
          ...(limit === undefined ? {} : { limit }),
        })) {
          if (page.items.length === 0) throw new Error("an empty page was handed on");
          if (page.segment < 0 || page.segment >= segments) throw new Error("a bad segment");
          values.push(...page.items);
        }
        const wrong = exactlyTheAccounts(values);
        if (wrong !== undefined) throw new Error(wrong);
        const allowed = concurrency ?? Math.min(segments, 4);
        if (seen.most > allowed)
          throw new Error(`${seen.most} scans in flight, allowed ${allowed}`);
      },
    ),
    { numRuns: 25 },
  );
  t.pass();
});

test("only the type scanned: another type's items on the same partitions never come", async (t) => {
  const { store } = open(t);
  const notes: unknown[] = [];
  for await (const page of store.scan(Note, { segments: 2, limit: 50 })) notes.push(...page.items);
  t.is(notes.length, 120);
  t.true(notes.every((note) => (note as { text?: string }).text === "note"));
});

test("a throttled or failing page is read again: still every account exactly once", async (t) => {
  let n = 0;
  const { store } = open(t, () => {
    n++;
    if (n % 3 === 0) throw answered("ThrottlingException", 400);
    if (n % 5 === 0) throw answered("InternalServerError", 500);
  });
  const values: AccountValue[] = [];
  for await (const page of store.scan(Account, { segments: 3, limit: 40 })) {
    values.push(...page.items);
  }
  t.is(exactlyTheAccounts(values), undefined);
  t.true(n > 10, `${n} scans sent`);
});

test("a consistent scan says so; a scan stopped early sends nothing more", async (t) => {
  const inputs: object[] = [];
  const { store, seen } = open(t, (input) => inputs.push(input));
  let asked = 0;
  for await (const page of store.scan(Account, { consistent: true, limit: 20 })) {
    t.true(page.items.length > 0);
    // The next page of the segment was asked for as this one was taken.
    asked = seen.requests;
    break;
  }
  t.like(inputs[0], { ConsistentRead: true, Limit: 20 });
  t.false("Segment" in (inputs[0] ?? {}), "one segment: no Segment parameter");
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(seen.requests, asked);
});

test("bad options are refused before any request, naming the option", async (t) => {
  const { store, seen } = open(t);
  for (const [option, value] of [
    ["segments", 0],
    ["segments", 1.5],
    ["concurrency", -1],
    ["limit", 0],
    ["consistent", "yes"],
  ] as const) {
    const err = await t.throwsAsync(async () => {
      for await (const _ of store.scan(Account, { [option]: value } as never)) {
      }
    });
    t.true(isDynatomError(err, "batch.invalid-option"), String(err));
    t.regex(String(err), new RegExp(`scan\\(account\\): ${option}`));
  }
  t.is(seen.requests, 0);
});
