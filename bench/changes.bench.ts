// The change feed. Replay: 10,000 writes read from trim-horizon by store.changes (decoded and
// checked values, typed changes) next to a hand-written GetRecords loop over the same shards
// that only unmarshalls each NewImage. Latency: from a swap's acknowledgement to its change
// reaching the loop of a running feed (p50 and p95), no baseline: the stream's own delay
// (DynamoDB Local's here) and the feed's polling of an idle shard are what it shows.
// BENCH_QUICK=1: 2,000 writes.
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { createStore, defineAtom } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { type BenchCase, defineSuite, endpointOf } from "./harness.js";

const quick = process.env.BENCH_QUICK === "1";
const WRITES = quick ? 2_000 : 10_000;
/** Rounds of this suite (bench/run.ts reads it). */
export const rounds = quick ? 2 : 4;

const Reading = defineAtom({
  name: "reading",
  version: 1,
  schema: v.object({ sensor: v.string(), at: v.date(), value: v.number(), note: v.string() }),
  key: { pk: ["sensor"], sk: ["at"] },
});

/** The hand-written replay: every shard from TRIM_HORIZON to the records written, unmarshalled. */
async function rawReplay(
  client: DynamoDBClient,
  streams: DynamoDBStreamsClient,
  table: string,
  want: number,
): Promise<number> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  const arn = Table?.LatestStreamArn as string;
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  let count = 0;
  await Promise.all(
    (StreamDescription?.Shards ?? []).map(async (shard) => {
      let { ShardIterator: iterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      );
      while (iterator !== undefined && count < want) {
        const page = await streams.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
        );
        for (const record of page.Records ?? []) {
          const image = record.dynamodb?.NewImage;
          if (image !== undefined) unmarshall(image as never);
          count++;
        }
        iterator = page.NextShardIterator;
      }
    }),
  );
  return count;
}

export default defineSuite({
  name: "changes",
  async setup({ client, table }) {
    const endpoint = (await endpointOf(client)) as string;
    const store = createStore({ table: `${table}-feed`, atoms: [Reading], endpoint });
    await store.ensureTable();
    const start = Date.UTC(2026, 0, 1);
    await store.putItems(
      Reading,
      Array.from({ length: WRITES }, (_, i) => ({
        sensor: `s${i % 20}`,
        at: new Date(start + i * 1000),
        value: i / 3,
        note: `reading ${i} of the sensor`,
      })),
      { concurrency: 8 },
    );
    const streams = new DynamoDBStreamsClient(localClientConfig(endpoint));
    const check = (side: string, n: number) => {
      if (n < WRITES) throw new Error(`${side} read ${n} changes, not ${WRITES}`);
    };
    const replay = `raw GetRecords loop, ${WRITES.toLocaleString("en")} changes from trim-horizon`;
    // A feed running for the latency case: each swap's change is awaited in its loop.
    const live = store.changes({ atoms: [Reading], from: "latest" });
    await live.ready();
    const probe = store.atom(Reading, { sensor: "probe", at: new Date(start) });
    let n = 0;
    const latency: BenchCase = {
      name: "write acknowledged → its change in the loop (median = p50)",
      note: "store.changes from latest, one shard",
      perRound: 20,
      warmup: 10,
      run: () => {},
      timed: async () => {
        n++;
        await probe.reset({ sensor: "probe", at: new Date(start), value: n, note: "probe" });
        const acknowledged = performance.now();
        for (;;) {
          const { value: change } = await live.next();
          if (change?.new?.value === n) return performance.now() - acknowledged;
        }
      },
    };
    return [
      {
        name: replay,
        baseline: replay,
        note: "unmarshall only",
        perRound: 1,
        warmup: 1,
        run: async () => check("raw", await rawReplay(client, streams, store.table, WRITES)),
      },
      {
        name: `store.changes, ${WRITES.toLocaleString("en")} changes from trim-horizon`,
        baseline: replay,
        note: `decoded, checked, typed (${WRITES.toLocaleString("en")} per run)`,
        perRound: 1,
        warmup: 1,
        run: async () => {
          let seen = 0;
          for await (const _ of store.changes({ atoms: [Reading], from: "trim-horizon" })) {
            if (++seen >= WRITES) break;
          }
          check("store.changes", seen);
        },
      },
      latency,
    ];
  },
});
