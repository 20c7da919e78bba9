// putItems and findItems of 10,000 atoms against hand-written parallel loops on the bare SDK
// over plain items (BatchWriteItem of 25, BatchGetItem of 100, the same 8 requests in flight,
// unprocessed items sent again with backoff), and the generated ElectroDB entity's own batch put
// and get as a peer. Every write run puts 10,000 new items (fresh ids per run, on every side
// alike); every read run reads the same 10,000 items, written once in setup. Each run takes
// seconds, so the suite runs few rounds (`rounds` below) with one warm-up run per case.
// BENCH_QUICK=1: 2,000. Both read sides turn each response into typed values as it arrives,
// while other requests are still out.
import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { createStore, defineAtom, type InferAtom, indexForm, itemSize } from "dynatom";
import * as v from "valibot";
import { readProjections } from "../src/schema/projection.js";
import { type BenchCase, counting, defineSuite } from "./harness.js";

const quick = process.env.BENCH_QUICK === "1";
const ITEMS = quick ? 2_000 : 10_000;
const CONCURRENCY = 8;
/** Rounds of this suite (bench/run.ts reads it): a write runs once a round, a read three times. */
export const rounds = quick ? 2 : 5;

/** The Account atom of test/helpers/atoms.ts: keys, three indexes, rich fields. */
const Account = defineAtom({
  name: "account",
  version: 1,
  schema: v.object({
    tenant: v.string(),
    id: v.string(),
    email: v.pipe(v.string(), v.email()),
    balance: v.bigint(),
    createdAt: v.date(),
    score: v.number(),
    tags: v.set(v.string()),
    prefs: v.map(v.string(), v.unknown()),
    avatar: v.optional(v.instance(Uint8Array)),
  }),
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: {
    byEmail: { pk: ["email"] },
    byTenantCreated: { pk: ["tenant"], sk: ["createdAt"] },
    byScore: { pk: ["tenant"], sk: ["score"] },
  },
});
type Account = InferAtom<typeof Account>;
type Item = Record<string, AttributeValue>;
type KeyFields = { readonly tenant: string; readonly id: string };

/** The values of one run: `batch` makes their ids (and so their items) new. */
function accounts(batch: string): Account[] {
  return Array.from({ length: ITEMS }, (_, i) => ({
    tenant: `t${i % 20}`,
    id: `${batch}-${i}`,
    email: `user${i}.${batch}@example.com`,
    balance: 1_000_000_000_000n + BigInt(i),
    createdAt: new Date(1_700_000_000_000 + i * 60_000),
    score: (i % 1000) / 7,
    tags: new Set(["customer", `tier-${i % 4}`]),
    prefs: new Map<string, unknown>([
      ["theme", i % 2 ? "dark" : "light"],
      ["digest", i % 3 === 0],
    ]),
  }));
}

// The raw side: what a hand-written loop on the bare SDK does, on plain items: the keys and the
// GSI keys the same three indexes need, the fields, and a `version` (what a user who swaps these
// items by hand keeps); no write id, no type note, no schema version, no ElectroDB markers.

function rawKey(k: KeyFields): Item {
  return { pk: { S: `$dynatom#tenant_${k.tenant}` }, sk: { S: `$account_1#id_${k.id}` } };
}

function rawItem(a: Account): Item {
  const createdAt = a.createdAt.toISOString();
  return marshall({
    pk: `$dynatom#tenant_${a.tenant}`,
    sk: `$account_1#id_${a.id}`,
    gsi1pk: `$dynatom#email_${a.email}`,
    gsi1sk: "$account_1",
    gsi2pk: `$dynatom#tenant_${a.tenant}`,
    gsi2sk: `$account_1#createdAt_${createdAt}`,
    gsi3pk: `$dynatom#tenant_${a.tenant}`,
    gsi3sk: `$account_1#score_${indexForm(a.score)}`,
    tenant: a.tenant,
    id: a.id,
    email: a.email,
    balance: a.balance,
    createdAt,
    score: a.score,
    tags: a.tags,
    prefs: a.prefs,
    version: 1,
  });
}

/** The same typed value `findItems` gives, by hand. */
function rawValue(item: Item): Account {
  const o = unmarshall(item);
  return {
    tenant: o.tenant,
    id: o.id,
    email: o.email,
    balance: BigInt(item.balance?.N as string),
    createdAt: new Date(o.createdAt),
    score: o.score,
    tags: o.tags,
    prefs: new Map(Object.entries(o.prefs)),
  };
}

function chunked<T>(list: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < list.length; i += size) chunks.push(list.slice(i, i + size));
  return chunks;
}

/** `concurrency` workers taking the next chunk as each finishes one (as `putItems` does). */
async function inParallel<T>(chunks: readonly T[], each: (chunk: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, chunks.length) }, async () => {
      while (next < chunks.length) await each(chunks[next++] as T);
    }),
  );
}

const backoff = (attempt: number) => sleep(Math.random() * Math.min(5_000, 50 * 2 ** attempt));

async function rawPut(client: DynamoDBClient, table: string, values: readonly Account[]) {
  const items = values.map(rawItem);
  await inParallel(chunked(items, 25), async (chunk) => {
    let requests: WriteRequest[] = chunk.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const { UnprocessedItems } = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [table]: requests } }),
      );
      requests = UnprocessedItems?.[table] ?? [];
    }
  });
}

async function rawFind(client: DynamoDBClient, table: string, keys: readonly KeyFields[]) {
  const found = new Map<string, Account>();
  await inParallel(chunked(keys.map(rawKey), 100), async (chunk) => {
    let pending: Item[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const { Responses, UnprocessedKeys } = await client.send(
        new BatchGetItemCommand({
          RequestItems: { [table]: { Keys: pending, ConsistentRead: true } },
        }),
      );
      for (const item of Responses?.[table] ?? []) {
        found.set(`${item.pk?.S}\n${item.sk?.S}`, rawValue(item));
      }
      pending = UnprocessedKeys?.[table]?.Keys ?? [];
    }
  });
  // Aligned with the keys, as findItems answers.
  return keys.map((k) => found.get(`$dynatom#tenant_${k.tenant}\n$account_1#id_${k.id}`));
}

// The ElectroDB side: the entity's attributes are the key and index fields, as index forms.
const electroFields = (a: Account) => ({
  tenant: indexForm(a.tenant),
  id: indexForm(a.id),
  email: indexForm(a.email),
  createdAt: indexForm(a.createdAt),
  score: indexForm(a.score),
});
const electroKey = (k: KeyFields) => ({ tenant: indexForm(k.tenant), id: indexForm(k.id) });

/** The least of a few timings of a CPU-only step, in ms. */
function cpuMs(step: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    step();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

export default defineSuite({
  name: "batch",
  async setup({ client, table }) {
    const sent = counting(client);
    const store = createStore({ table, atoms: [Account], client });
    const entity = Account.entity(table, client);

    // The items every read run reads, written once.
    const stored = accounts("read");
    const readKeys: KeyFields[] = stored.map(({ tenant, id }) => ({ tenant, id }));
    await store.putItems(Account, stored, { concurrency: CONCURRENCY });

    // Every side reads the same values back, or the comparison is void.
    const ours = await store.findItems(Account, readKeys, { concurrency: CONCURRENCY });
    const raws = await rawFind(client, table, readKeys);
    if (!isDeepStrictEqual(ours, stored) || !isDeepStrictEqual(raws, stored)) {
      throw new Error("batch bench: findItems or the raw loop did not read back what was written");
    }
    const electro = await entity
      .get(readKeys.map(electroKey))
      .go({ concurrent: CONCURRENCY, consistent: true });
    if (electro.data.length !== ITEMS || electro.unprocessed.length > 0) {
      throw new Error("batch bench: ElectroDB's batch get did not read every item");
    }

    // The CPU part of each side, for the notes: validate+encode and decode of all the values.
    const sample = stored[0] as Account;
    const ourItem: Item = { ...Account.encode(sample), _writes: { L: [{ S: "x".repeat(12) }] } };
    const electroItem = marshall(
      (entity.put(electroFields(sample)).params() as { Item: Record<string, unknown> }).Item,
    );
    const storedItems = stored.map((a) => Account.encode(a));
    // What findItems asks for of each item (its projection), for the notes.
    const leanItem = Object.fromEntries(
      (readProjections(Account).find?.attributes ?? Object.keys(ourItem)).flatMap((name) =>
        ourItem[name] === undefined ? [] : [[name, ourItem[name]]],
      ),
    ) as Item;
    const encodeMs = cpuMs(() => stored.map((a) => Account.encode(a)));
    const rawEncodeMs = cpuMs(() => stored.map(rawItem));
    const decodeMs = cpuMs(() => storedItems.map((item) => Account.decode(item)));
    const rawDecodeMs = cpuMs(() => storedItems.map(rawValue));

    const requests = new Map<string, { runs: number; sent: number }>();
    const counted = async (name: string, run: () => Promise<unknown>) => {
      const before = sent.n;
      await run();
      const seen = requests.get(name) ?? { runs: 0, sent: 0 };
      requests.set(name, { runs: seen.runs + 1, sent: seen.sent + sent.n - before });
    };
    const perRun = (name: string) => {
      const seen = requests.get(name);
      return seen ? `${Math.round(seen.sent / seen.runs)} requests/run` : "";
    };
    const n = ITEMS.toLocaleString("en");
    let batch = 0;
    const fresh = (side: string) => accounts(`${side}${batch++}`);

    const putRaw = `parallel BatchWriteItem of plain items, ${n} (c=${CONCURRENCY})`;
    const putOurs = `putItems ${n} (c=${CONCURRENCY})`;
    const putElectro = `ElectroDB batch put ${n} (c=${CONCURRENCY})`;
    const getRaw = `parallel BatchGetItem of plain items, ${n} (c=${CONCURRENCY})`;
    const getOurs = `findItems ${n} (c=${CONCURRENCY})`;
    const getElectro = `ElectroDB batch get ${n} (c=${CONCURRENCY})`;
    // A write run takes seconds, a read run about one: reads run three times a round, to be as sure.
    const writes = { perRound: 1, warmup: 1 };
    const reads = { perRound: 3, warmup: 1 };

    const cases: BenchCase[] = [
      // Writes and reads alternate: the harness keeps the cases' cyclic order from round to round,
      // so each case always follows the same one; this way every write follows a read (never
      // another write's leftover server work), and every read follows a write.
      {
        name: putRaw,
        baseline: putRaw,
        ...writes,
        get note() {
          return `marshall of a plain object (no validation), new items, ${itemSize(rawItem(sample))} B/item, encode ${n} ${rawEncodeMs.toFixed(0)} ms; ${perRun(putRaw)}`;
        },
        run: () => counted(putRaw, () => rawPut(client, table, fresh("raw"))),
      },
      {
        name: getRaw,
        baseline: getRaw,
        ...reads,
        get note() {
          return `consistent, whole items (${itemSize(rawItem(sample))} B/item), unmarshall+hand-typed, decode ${n} ${rawDecodeMs.toFixed(0)} ms; ${perRun(getRaw)}`;
        },
        run: () => counted(getRaw, () => rawFind(client, table, readKeys)),
      },
      {
        name: putOurs,
        baseline: putRaw,
        goal: 1.1,
        ...writes,
        get note() {
          return `validate+encode, new items, ${itemSize(ourItem)} B/item, encode ${n} ${encodeMs.toFixed(0)} ms; ${perRun(putOurs)}`;
        },
        run: () =>
          counted(putOurs, () =>
            store.putItems(Account, fresh("ours"), { concurrency: CONCURRENCY }),
          ),
      },
      {
        name: getOurs,
        baseline: getRaw,
        goal: 1.1,
        ...reads,
        get note() {
          return `consistent, decoded values, only the attributes decoded (${itemSize(leanItem)} B/item), decode ${n} ${decodeMs.toFixed(0)} ms; ${perRun(getOurs)}`;
        },
        run: () =>
          counted(getOurs, () => store.findItems(Account, readKeys, { concurrency: CONCURRENCY })),
      },
      {
        name: putElectro,
        baseline: putRaw,
        ...writes,
        get note() {
          return `peer: key and index fields only (${itemSize(electroItem)} B/item), waves of ${CONCURRENCY}, unprocessed not retried; ${perRun(putElectro)}`;
        },
        run: () =>
          counted(putElectro, async () => {
            const { unprocessed } = await entity
              .put(fresh("edb").map(electroFields))
              .go({ concurrent: CONCURRENCY });
            if (unprocessed.length > 0) throw new Error("ElectroDB left items unprocessed");
          }),
      },
      {
        name: getElectro,
        baseline: getRaw,
        ...reads,
        get note() {
          return `peer: consistent, returns key and index fields only (index forms), waves of ${CONCURRENCY}; ${perRun(getElectro)}`;
        },
        run: () =>
          counted(getElectro, () =>
            entity.get(readKeys.map(electroKey)).go({ concurrent: CONCURRENCY, consistent: true }),
          ),
      },
    ];
    return cases;
  },
});
