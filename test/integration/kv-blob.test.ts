// Blobs under replacement and at size: a reader sees the old blob or the new one whole, never a
// mix; a 100 MB blob goes in and out as streams in bounded memory. Serial: the 100 MB blob
// would otherwise slow the replacements, which run inside a held read, past its timeout.

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { firstJsonLine, spawnChild } from "../helpers/children.js";
import { intercept } from "../helpers/intercept.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
let table = "";

test.before(async () => {
  table = dynamo().tableName("blob");
  const store = createStore({ table, atoms: [], client: dynamo().client });
  await store.ensureTable({ stream: false });
  await store.close();
});

const filled = (size: number, byte: number) => new Uint8Array(size).fill(byte);
const A = filled(2_000_000, 0xaa);
const B = filled(1_200_000, 0xbb);

/**
 * A store whose reads of blob chunks call `between(n)` after the n-th chunk read is answered,
 * before the reader gets it: where a test replaces the blob under the reader.
 */
function readerStore(
  t: { teardown(fn: () => Promise<void> | void): void },
  between: (n: number) => Promise<void>,
) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  let chunks = 0;
  intercept(
    client,
    async (name, input, next) => {
      const out = await next();
      const key = input.Key as { sk?: { S?: string } } | undefined;
      if (name === "GetItemCommand" && key?.sk?.S?.startsWith("$dynatom-kvchunk_1")) {
        await between(++chunks);
      }
      return out;
    },
    "between-chunks",
  );
  // The replacement runs inside a chunk read: on a loaded machine it may outlast the default
  // request timeout, which would cut that read.
  const store = createStore({ table, atoms: [], client, requestTimeoutMs: 120_000 });
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  return store;
}

function writerStore(t: { teardown(fn: () => Promise<void> | void): void }) {
  const store = createStore({ table, atoms: [], client: dynamo().client });
  t.teardown(() => store.close());
  return store;
}

test.serial("getBlob of a blob replaced while it is read returns the new one whole", async (t) => {
  const writer = writerStore(t).kv("replace-get");
  await writer.setBlob("doc", A);
  let replaced = false;
  const reader = readerStore(t, async (n) => {
    if (n === 1 && !replaced) {
      replaced = true;
      await writer.setBlob("doc", B);
    }
  }).kv("replace-get");
  const bytes = await reader.getBlob("doc", { concurrency: 1 });
  t.true(replaced, "the blob was replaced during the read");
  t.deepEqual(bytes, B);
});

test.serial(
  "a stream of a blob replaced while it is read ends in kv.blob-replaced, after only old bytes",
  async (t) => {
    const writer = writerStore(t).kv("replace-stream");
    await writer.setBlob("doc", A);
    let replaced = false;
    const reader = readerStore(t, async (n) => {
      if (n === 2 && !replaced) {
        replaced = true;
        await writer.setBlob("doc", B);
      }
    }).kv("replace-stream");
    const opened = await reader.openBlob("doc", { concurrency: 1 });
    t.is(opened?.size, A.length);
    const got: number[] = [];
    const err = await t.throwsAsync(async () => {
      for await (const chunk of opened?.stream ?? new ReadableStream<Uint8Array>()) {
        for (const byte of new Set(chunk)) got.push(byte);
      }
    });
    t.true(replaced);
    t.true(isDynatomError(err, "kv.blob-replaced"), String(err));
    t.like((err as unknown as { details: object }).details, {
      namespace: "replace-stream",
      key: "doc",
    });
    t.deepEqual([...new Set(got)], [0xaa], "only bytes of the old blob were handed out");
  },
);

test.serial(
  "readers racing a writer that swaps two blobs get one of them whole, every time",
  async (t) => {
    const writer = writerStore(t).kv("replace-race");
    const reader = writerStore(t).kv("replace-race");
    await writer.setBlob("doc", A);
    let writing = true;
    const writes = (async () => {
      for (let i = 0; i < 8; i++) await writer.setBlob("doc", i % 2 === 0 ? B : A);
      writing = false;
    })();
    let reads = 0;
    let replacedStreams = 0;
    while (writing || reads < 4) {
      const bytes = await reader.getBlob("doc", { concurrency: 2 });
      reads++;
      t.true(
        Buffer.from(bytes ?? []).equals(Buffer.from(A)) ||
          Buffer.from(bytes ?? []).equals(Buffer.from(B)),
        "a whole blob",
      );
      const opened = await reader.openBlob("doc");
      try {
        const parts: Uint8Array[] = [];
        for await (const chunk of opened?.stream ?? new ReadableStream<Uint8Array>())
          parts.push(chunk);
        const whole = Buffer.concat(parts);
        t.true(whole.equals(Buffer.from(A)) || whole.equals(Buffer.from(B)), "a whole blob");
      } catch (err) {
        t.true(isDynatomError(err, "kv.blob-replaced"), String(err));
        replacedStreams++;
      }
    }
    await writes;
    t.log(`${reads} reads during 8 replacements; ${replacedStreams} streams told of a replacement`);
  },
);

test.serial("a stream that fails midway changes nothing, and its chunks are removed", async (t) => {
  const kv = writerStore(t).kv("failing-input");
  await kv.setBlob("doc", B);
  async function* failing() {
    yield filled(500_000, 1);
    yield filled(500_000, 2);
    throw new Error("the upload broke");
  }
  await t.throwsAsync(kv.setBlob("doc", failing()), { message: "the upload broke" });
  t.deepEqual(await kv.getBlob("doc"), B);
  const bad = await t.throwsAsync(
    kv.setBlob(
      "doc",
      (async function* () {
        yield "text" as unknown as Uint8Array;
      })(),
    ),
  );
  t.true(isDynatomError(bad, "kv.invalid-option"), String(bad));
  const notBytes = await t.throwsAsync(kv.setBlob("doc", 42 as unknown as Uint8Array));
  t.true(isDynatomError(notBytes, "kv.invalid-option"));
  t.deepEqual(await kv.getBlob("doc"), B);
});

test.serial("a 100 MB blob written and read as streams stays in bounded memory", async (t) => {
  const child = spawnChild(
    "blob-stream",
    [JSON.stringify({ endpoint: dynamo().endpoint, table, megabytes: 100 })],
    { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  );
  const result = await firstJsonLine<{
    size: number;
    stored: number;
    written: string;
    read: string;
    manifest: string;
    peakWriteMb: number;
    peakMb: number;
  }>(child);
  t.log(
    `peak RSS above the baseline: ${result.peakWriteMb.toFixed(1)} MB writing, ${result.peakMb.toFixed(1)} MB at most (reading)`,
  );
  t.is(result.size, 100 * 2 ** 20);
  t.is(result.stored, result.size);
  t.is(result.read, result.written);
  t.is(result.manifest, result.written);
  t.true(result.peakMb < 100, `peak ${result.peakMb} MB above the baseline`);
});
