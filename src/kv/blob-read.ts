import { createHash } from "node:crypto";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { readSeen, type Target } from "../atom/write.js";
import { DynatomError, isDynatomError } from "../errors/index.js";
import { live } from "../protocol/state.js";
import { KvBlobChunk, type KvBlobManifest } from "./definitions.js";

/** An open blob: what its manifest says, and its bytes as a stream. */
export interface Blob {
  readonly size: number;
  /** The sha-256 of the bytes, in hex; the stream checks it before it ends. */
  readonly sha256: string;
  /**
   * The bytes, read `concurrency` chunks ahead. It errors with `kv.corrupt-blob` when the chunks
   * do not match the manifest (the last chunk is held until the sha-256 is checked, so a stream
   * that ends was whole), and with `kv.blob-replaced` when the blob was replaced or deleted
   * while it was read: never a mix of two blobs.
   */
  readonly stream: ReadableStream<Uint8Array>;
}

/** How many times `getBlob` reads again a blob replaced under it. */
const REPLACED_RETRIES = 5;

function corrupt(manifest: KvBlobManifest, reason: string): DynatomError<"kv.corrupt-blob"> {
  const { ns, name } = manifest;
  return new DynatomError(
    "kv.corrupt-blob",
    `kv(${JSON.stringify(ns)}) blob ${JSON.stringify(name)} is corrupt: ${reason}. Write it again with setBlob.`,
    { details: { namespace: ns, key: name, reason } },
  );
}

function replaced(manifest: KvBlobManifest): DynatomError<"kv.blob-replaced"> {
  const { ns, name } = manifest;
  return new DynatomError(
    "kv.blob-replaced",
    `kv(${JSON.stringify(ns)}) blob ${JSON.stringify(name)} was replaced or deleted while it was read, after part of it was handed out; open it again to read the current one.`,
    { details: { namespace: ns, key: name }, retryable: true },
  );
}

/** The blob's manifest, read strongly consistently; undefined when there is none. */
async function manifestOf(target: Target): Promise<KvBlobManifest | undefined> {
  const seen = await readSeen(target);
  return live(seen) ? (seen.value as KvBlobManifest) : undefined;
}

/** The bytes chunk `index` must hold. */
function expectedLength(manifest: KvBlobManifest, index: number): number {
  const last = manifest.chunks - 1;
  return index < last ? manifest.chunkBytes : manifest.size - manifest.chunkBytes * last;
}

function chunkStream(
  target: Target,
  manifest: KvBlobManifest,
  concurrency: number,
): ReadableStream<Uint8Array> {
  const { core } = target;
  const { ns, name, generation } = manifest;
  const hash = createHash("sha256");
  const ahead = new Map<number, Promise<Uint8Array | undefined>>();
  let next = 0;
  let requested = 0;
  const fetch = async (index: number) => {
    const { Item: item } = await core.executor.read(
      () =>
        new GetItemCommand({
          TableName: core.table,
          Key: KvBlobChunk.keyOf({ ns, name, generation, index }),
          ConsistentRead: true,
        }),
      target.retry,
    );
    if (item === undefined) return undefined;
    // The bytes as the SDK gave them: no decode, no copy (the sha-256 vouches for them).
    const bytes = item.bytes?.B;
    if (!(bytes instanceof Uint8Array)) throw corrupt(manifest, `chunk ${index} holds no bytes`);
    return bytes;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (manifest.chunks === 0) {
        if (hash.digest("hex") !== manifest.sha256)
          throw corrupt(manifest, "it is empty but its sha-256 is not the empty one");
        controller.close();
        return;
      }
      while (requested < manifest.chunks && requested < next + concurrency) {
        const fetched = fetch(requested);
        fetched.catch(() => undefined);
        ahead.set(requested++, fetched);
      }
      const index = next;
      const bytes = await ahead.get(index);
      ahead.delete(index);
      if (bytes === undefined) {
        const now = await manifestOf(target);
        if (now?.generation !== generation) throw replaced(manifest);
        throw corrupt(manifest, `chunk ${index} of ${manifest.chunks} is missing`);
      }
      if (bytes.length !== expectedLength(manifest, index)) {
        throw corrupt(
          manifest,
          `chunk ${index} holds ${bytes.length} bytes, not ${expectedLength(manifest, index)}`,
        );
      }
      hash.update(bytes);
      next++;
      if (next === manifest.chunks && hash.digest("hex") !== manifest.sha256) {
        throw corrupt(manifest, "its bytes do not have the sha-256 its manifest names");
      }
      controller.enqueue(bytes);
      if (next === manifest.chunks) controller.close();
    },
    cancel() {
      ahead.clear();
    },
  });
}

/** Opens a blob for reading, or undefined when there is none. */
export async function openBlob(target: Target, concurrency: number): Promise<Blob | undefined> {
  const manifest = await manifestOf(target);
  if (manifest === undefined) return undefined;
  return {
    size: manifest.size,
    sha256: manifest.sha256,
    stream: chunkStream(target, manifest, concurrency),
  };
}

/**
 * Reads a whole blob into memory. A blob replaced while it is read is read again, so the bytes
 * are the old blob or the new one, whole.
 */
export async function readBlob(
  target: Target,
  concurrency: number,
): Promise<Uint8Array | undefined> {
  for (let attempt = 0; ; attempt++) {
    const blob = await openBlob(target, concurrency);
    if (blob === undefined) return undefined;
    const bytes = new Uint8Array(blob.size);
    let at = 0;
    try {
      for await (const chunk of blob.stream) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      return bytes;
    } catch (error) {
      if (!isDynatomError(error, "kv.blob-replaced") || attempt >= REPLACED_RETRIES) throw error;
    }
  }
}
