/**
 * The baselines of the kv rows (bench/kv.bench.ts and its child, bench/kv-worker.ts): what a
 * user writes by hand on the bare SDK. A log entry is a plain item `{pk: log, sk: seq, …value}`
 * put with attribute_not_exists(pk), its seq counted in memory. A blob is cut into chunks of
 * 384 KiB (dynatom's size), each put as a plain item with one Binary attribute, 4 at a time,
 * then a manifest item (size, sha-256, chunk count) is put; it is read back with consistent
 * GetItems 4 chunks ahead and its sha-256 checked, as dynatom's reader does.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";

type Item = Record<string, AttributeValue>;

/** dynatom's chunk size (src/kv/blob-write.ts), so that both sides send the same requests. */
export const RAW_CHUNK_BYTES = 384 * 1024;

/** The small value appended on both sides: a typical event. */
export interface SmallEvent {
  readonly type: string;
  readonly user: string;
  readonly n: number;
}

/** A hand-written log: one conditional put per append, its next seq kept in memory. */
export function rawLog(client: DynamoDBClient, table: string, log: string) {
  let next = 0;
  return async (value: SmallEvent): Promise<number> => {
    const seq = next;
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: log },
          sk: { N: String(seq) },
          type: { S: value.type },
          user: { S: value.user },
          n: { N: String(value.n) },
          at: { S: new Date().toISOString() },
        },
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": "pk" },
      }),
    );
    next = seq + 1;
    return seq;
  };
}

/** Cuts bytes or a stream into chunks of exactly `size` bytes (the last shorter), copying. */
async function* chunksOf(
  input: Uint8Array | AsyncIterable<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array> {
  if (input instanceof Uint8Array) {
    for (let at = 0; at < input.length; at += size) yield input.subarray(at, at + size);
    return;
  }
  let chunk = new Uint8Array(size);
  let filled = 0;
  for await (const piece of input) {
    let at = 0;
    while (at < piece.length) {
      const n = Math.min(size - filled, piece.length - at);
      chunk.set(piece.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === size) {
        yield chunk;
        chunk = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield chunk.subarray(0, filled);
}

/** What a hand-written blob's manifest holds. */
export interface RawManifest {
  readonly name: string;
  readonly generation: string;
  readonly size: number;
  readonly sha256: string;
  readonly chunks: number;
}

const chunkKey = (name: string, generation: string, index: number): Item => ({
  pk: { S: `chunk#${name}#${generation}` },
  sk: { S: String(index).padStart(8, "0") },
});
const manifestKey = (name: string): Item => ({ pk: { S: `blob#${name}` }, sk: { S: "manifest" } });

/** Writes a blob by hand: its chunks `concurrency` at a time as the input is read, then the manifest. */
export async function rawSetBlob(
  client: DynamoDBClient,
  table: string,
  name: string,
  input: Uint8Array | AsyncIterable<Uint8Array>,
  concurrency = 4,
): Promise<RawManifest> {
  const generation = randomUUID();
  const hash = createHash("sha256");
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let size = 0;
  let chunks = 0;
  for await (const bytes of chunksOf(input, RAW_CHUNK_BYTES)) {
    hash.update(bytes);
    size += bytes.length;
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure !== undefined) break;
    const sent: Promise<void> = client
      .send(
        new PutItemCommand({
          TableName: table,
          Item: { ...chunkKey(name, generation, chunks++), bytes: { B: bytes } },
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure.error;
  const manifest = { name, generation, size, sha256: hash.digest("hex"), chunks };
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        ...manifestKey(name),
        generation: { S: generation },
        size: { N: String(size) },
        sha256: { S: manifest.sha256 },
        chunks: { N: String(chunks) },
      },
    }),
  );
  return manifest;
}

/** The blob's manifest, read consistently; undefined when there is none. */
async function rawManifest(
  client: DynamoDBClient,
  table: string,
  name: string,
): Promise<RawManifest | undefined> {
  const { Item: item } = await client.send(
    new GetItemCommand({ TableName: table, Key: manifestKey(name), ConsistentRead: true }),
  );
  if (item === undefined) return undefined;
  return {
    name,
    generation: item.generation?.S as string,
    size: Number(item.size?.N),
    sha256: item.sha256?.S as string,
    chunks: Number(item.chunks?.N),
  };
}

/**
 * The blob's chunks in order, read `concurrency` ahead with consistent GetItems; the sha-256 is
 * checked before the last chunk is handed out.
 */
export async function* rawBlobChunks(
  client: DynamoDBClient,
  table: string,
  manifest: RawManifest,
  concurrency = 4,
): AsyncGenerator<Uint8Array> {
  const { name, generation } = manifest;
  const hash = createHash("sha256");
  const ahead = new Map<number, Promise<Uint8Array>>();
  const fetch = async (index: number) => {
    const { Item: item } = await client.send(
      new GetItemCommand({
        TableName: table,
        Key: chunkKey(name, generation, index),
        ConsistentRead: true,
      }),
    );
    const bytes = item?.bytes?.B;
    if (bytes === undefined) throw new Error(`raw blob ${name}: chunk ${index} is missing`);
    return bytes;
  };
  let requested = 0;
  for (let index = 0; index < manifest.chunks; index++) {
    while (requested < manifest.chunks && requested < index + concurrency) {
      const fetched = fetch(requested);
      fetched.catch(() => undefined);
      ahead.set(requested++, fetched);
    }
    const bytes = await (ahead.get(index) as Promise<Uint8Array>);
    ahead.delete(index);
    hash.update(bytes);
    if (index === manifest.chunks - 1 && hash.digest("hex") !== manifest.sha256)
      throw new Error(`raw blob ${name}: the sha-256 does not match`);
    yield bytes;
  }
}

/** Opens a hand-written blob: its manifest and its chunks, or undefined. */
export async function rawOpenBlob(client: DynamoDBClient, table: string, name: string) {
  const manifest = await rawManifest(client, table, name);
  if (manifest === undefined) return undefined;
  return { ...manifest, stream: rawBlobChunks(client, table, manifest) };
}

/** Reads a hand-written blob whole into memory (sha-256 checked), or undefined. */
export async function rawGetBlob(
  client: DynamoDBClient,
  table: string,
  name: string,
): Promise<Uint8Array | undefined> {
  const blob = await rawOpenBlob(client, table, name);
  if (blob === undefined) return undefined;
  const bytes = new Uint8Array(blob.size);
  let at = 0;
  for await (const chunk of blob.stream) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** Deletes a hand-written blob (its manifest and chunks), 25 items per BatchWriteItem. */
export async function rawDeleteBlob(
  client: DynamoDBClient,
  table: string,
  manifest: RawManifest,
): Promise<void> {
  const keys = [
    manifestKey(manifest.name),
    ...Array.from({ length: manifest.chunks }, (_, i) =>
      chunkKey(manifest.name, manifest.generation, i),
    ),
  ];
  for (let at = 0; at < keys.length; at += 25) {
    let requests = keys.slice(at, at + 25).map((Key) => ({ DeleteRequest: { Key } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [table]: requests } }),
      );
      requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
}

/**
 * `total` bytes made on the fly as a web stream of 64 KiB pieces, each a fresh buffer (as a file
 * or a socket hands them out): nothing but the pieces in flight stays in memory.
 */
export function generatedStream(total: number, piece = 64 * 1024): ReadableStream<Uint8Array> {
  const pattern = new Uint8Array(piece);
  for (let i = 0; i < piece; i++) pattern[i] = (i * 2654435761) >>> 24;
  let made = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const n = Math.min(piece, total - made);
      const bytes = new Uint8Array(n);
      bytes.set(pattern.subarray(0, n));
      bytes[0] = made / piece;
      made += n;
      controller.enqueue(bytes);
      if (made >= total) controller.close();
    },
  });
}
