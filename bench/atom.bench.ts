// Atoms against the raw SDK calls they make: one GetItem per deref, one conditional PutItem per
// warm swap; and 16 concurrent swappers on one atom against a hand-written raw loop with the
// same strategy (ALL_OLD refresh, full-jitter backoff), measured per batch of swaps.
import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { createStore, defineAtom } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { type BenchCase, counting, defineSuite } from "./harness.js";

const Counter = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
});

const SWAPPERS = 16;
const SWAPS_EACH = 10;

/** The raw loop: conditional PutItem on a cached version, ALL_OLD refresh, full-jitter backoff. */
async function rawSwapper(
  client: DynamoDBClient,
  table: string,
  key: Record<string, AttributeValue>,
  swaps: number,
) {
  let version = -1;
  let n = 0;
  for (let done = 0; done < swaps; ) {
    if (version < 0) {
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
      );
      version = Number(Item?.v?.N ?? 0);
      n = Number(Item?.n?.N ?? 0);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: { ...key, n: { N: String(n + 1) }, v: { N: String(version + 1) } },
            ConditionExpression: version === 0 ? "attribute_not_exists(pk)" : "#v = :v",
            ...(version === 0
              ? {}
              : {
                  ExpressionAttributeNames: { "#v": "v" },
                  ExpressionAttributeValues: { ":v": { N: String(version) } },
                }),
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        version++;
        n++;
        done++;
        break;
      } catch (err) {
        const item = (err as { Item?: Record<string, AttributeValue> }).Item;
        version = Number(item?.v?.N ?? 0);
        n = Number(item?.n?.N ?? 0);
        await sleep(Math.random() * Math.min(1000, 5 * 2 ** (attempt - 1)));
      }
    }
  }
}

export default defineSuite({
  name: "atom",
  async setup({ client, table }) {
    const endpoint = await client.config.endpoint?.();
    const url = endpoint
      ? `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`
      : undefined;
    // Each side gets a client of its own, so that each counts only its own requests.
    const fresh = () => new DynamoDBClient(url ? { ...localClientConfig(url) } : {});
    const own = fresh();
    const sentByAtoms = counting(own);
    const store = createStore({ table, atoms: [Counter], client: own });
    const hot = store.atom(Counter, { name: "hot" }, { init: { name: "hot", n: 0 } });
    await hot.swap((c) => ({ ...c, n: c.n + 1 }));
    // The raw baselines read and write items of the same shape as the atom's, write ids included,
    // so that the ratios measure dynatom's own work, not the size of its bookkeeping.
    for (let i = 0; i < 40; i++) await hot.swap((c) => ({ ...c, n: c.n + 1 }));
    const hotKey = Counter.keyOf({ name: "hot" });
    const writeIds = {
      L: Array.from({ length: 32 }, (_, i) => ({ S: `write-id-${String(i).padStart(3, "0")}` })),
    };
    let rawVersion = 0;
    const rawItem = (n: number) => ({
      ...Counter.encode({ name: "raw", n }),
      _ver: { N: String(rawVersion + 1) },
      _writes: writeIds,
    });
    await client.send(new PutItemCommand({ TableName: table, Item: rawItem(0) }));
    rawVersion = 1;

    let swaps = 0;
    let swapRequests = 0;
    let crowdRound = 0;
    const crowdRequests = { atoms: 0, raw: 0, swaps: 0, rawSwaps: 0 };
    const rawClient = fresh();
    const sentByRaw = counting(rawClient);

    const cases: BenchCase[] = [
      {
        name: "raw GetItem (consistent)",
        baseline: "raw GetItem (consistent)",
        run: () =>
          client.send(new GetItemCommand({ TableName: table, Key: hotKey, ConsistentRead: true })),
      },
      { name: "deref", baseline: "raw GetItem (consistent)", goal: 1.1, run: () => hot.deref() },
      {
        name: "raw conditional PutItem",
        baseline: "raw conditional PutItem",
        run: async () => {
          await client.send(
            new PutItemCommand({
              TableName: table,
              Item: rawItem(rawVersion),
              ConditionExpression: "#v = :v",
              ExpressionAttributeNames: { "#v": "_ver" },
              ExpressionAttributeValues: { ":v": { N: String(rawVersion) } },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          );
          rawVersion++;
        },
      },
      {
        name: "warm swap",
        baseline: "raw conditional PutItem",
        goal: 1.15,
        get note() {
          return swaps ? `${(swapRequests / swaps).toFixed(2)} requests/swap` : "";
        },
        run: async () => {
          const before = sentByAtoms.n;
          await hot.swap((c) => ({ ...c, n: c.n + 1 }));
          swapRequests += sentByAtoms.n - before;
          swaps++;
        },
      },
      {
        name: `raw loop, ${SWAPPERS} swappers × ${SWAPS_EACH}`,
        baseline: `raw loop, ${SWAPPERS} swappers × ${SWAPS_EACH}`,
        perRound: 1,
        warmup: 1,
        get note() {
          return crowdRequests.rawSwaps
            ? `${(crowdRequests.raw / crowdRequests.rawSwaps).toFixed(2)} requests/swap`
            : "";
        },
        run: async () => {
          const crowdKey = { pk: { S: `crowd-raw-${crowdRound++}` }, sk: { S: "x" } };
          const before = sentByRaw.n;
          await Promise.all(
            Array.from({ length: SWAPPERS }, () =>
              rawSwapper(rawClient, table, crowdKey, SWAPS_EACH),
            ),
          );
          crowdRequests.raw += sentByRaw.n - before;
          crowdRequests.rawSwaps += SWAPPERS * SWAPS_EACH;
        },
      },
      {
        name: `atoms, ${SWAPPERS} swappers × ${SWAPS_EACH}`,
        baseline: `raw loop, ${SWAPPERS} swappers × ${SWAPS_EACH}`,
        goal: 1 / 0.9,
        perRound: 1,
        warmup: 1,
        get note() {
          return crowdRequests.swaps
            ? `${(crowdRequests.atoms / crowdRequests.swaps).toFixed(2)} requests/swap`
            : "";
        },
        run: async () => {
          const name = `crowd-${crowdRound++}`;
          const before = sentByAtoms.n;
          await Promise.all(
            Array.from({ length: SWAPPERS }, async () => {
              const atom = store.atom(Counter, { name }, { init: { name, n: 0 } });
              for (let i = 0; i < SWAPS_EACH; i++) await atom.swap((c) => ({ ...c, n: c.n + 1 }));
            }),
          );
          crowdRequests.atoms += sentByAtoms.n - before;
          crowdRequests.swaps += SWAPPERS * SWAPS_EACH;
        },
      },
    ];
    return cases;
  },
});
