import { createHash, randomBytes } from "node:crypto";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { combined } from "../atom/lane.js";
import type { Target } from "../atom/write.js";
import { deleteItems } from "../batch/write.js";
import { isDynatomError } from "../errors/index.js";
import type { RetryPolicy } from "../executor/policy.js";
import type { StoreCore } from "../store/core.js";
import { KvBlobChunk, KvBlobManifest } from "./definitions.js";
import { invalidOption } from "./names.js";

/**
 * The bytes of one chunk: its item (keys, names, bookkeeping: about 300 bytes) stays well
 * under DynamoDB's 400 KB item limit.
 */
export const CHUNK_BYTES = 384 * 1024;

/** What `setBlob` takes: bytes, or a stream of them (a web stream or any async iterable). */
export type BlobInput = Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** What `setBlob` stored. */
export interface BlobInfo {
  readonly size: number;
  /** The sha-256 of the bytes, in hex. */
  readonly sha256: string;
  /** The manifest's version: 1 for the first blob under the name, then 2, 3, … */
  readonly version: number;
}

/** A new generation id: the time first, so that stray chunks show their age in the console. */
function newGeneration(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
}

/** Cuts the input into chunks of exactly `size` bytes (the last one shorter), copying into each. */
async function* chunksOf(
  input: BlobInput,
  size: number,
  refuse: (why: string) => Error,
): AsyncGenerator<Uint8Array> {
  if (input instanceof Uint8Array) {
    for (let at = 0; at < input.length; at += size) yield input.subarray(at, at + size);
    return;
  }
  const iterable =
    typeof input === "object" &&
    input !== null &&
    typeof (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function"
      ? (input as AsyncIterable<Uint8Array>)
      : undefined;
  if (iterable === undefined)
    throw refuse("takes a Uint8Array, a ReadableStream or an AsyncIterable of Uint8Array");
  let iterator: AsyncIterator<Uint8Array>;
  try {
    iterator = iterable[Symbol.asyncIterator]();
  } catch (error) {
    throw Object.assign(
      refuse(`cannot be read (${String(error)}): pass a stream no one else reads`),
      { cause: error },
    );
  }
  let chunk = new Uint8Array(size);
  let filled = 0;
  for await (const piece of { [Symbol.asyncIterator]: () => iterator }) {
    if (!(piece instanceof Uint8Array)) {
      throw refuse(`got a ${typeof piece} from the stream, where only Uint8Array pieces can go`);
    }
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

/** The chunks of one generation, as keys to delete. */
export function chunkKeys(manifest: {
  readonly ns: string;
  readonly name: string;
  readonly generation: string;
  readonly chunks: number;
}) {
  const { ns, name, generation } = manifest;
  return Array.from({ length: manifest.chunks }, (_, index) => ({ ns, name, generation, index }));
}

/** Removes a generation's chunks; a failure leaves them behind (unreferenced) rather than fail a finished write. */
export async function removeChunks(
  core: StoreCore,
  manifest: Parameters<typeof chunkKeys>[0],
  retry: RetryPolicy,
): Promise<void> {
  await deleteItems(core, KvBlobChunk as never, chunkKeys(manifest), { retry }).catch(
    () => undefined,
  );
}

/**
 * Writes a blob: its chunks under a new generation, `concurrency` at a time while the input is
 * read (so memory holds about `concurrency + 1` chunks, whatever the size), then the manifest
 * naming that generation, with its size and sha-256, in one exactly-once write. Only then are
 * the old generation's chunks removed. A reader therefore sees the old blob or the new one.
 *
 * Chunk puts never change a visible item (a new generation is invisible until its manifest), so
 * a chunk whose answer was lost is simply sent again. If the input or a chunk fails, the chunks
 * written are removed and nothing changed; if the manifest's outcome is unknown, they stay.
 */
export async function writeBlob(
  target: Target,
  ns: string,
  name: string,
  input: BlobInput,
  concurrency: number,
): Promise<BlobInfo> {
  const { core } = target;
  const generation = newGeneration();
  const hash = createHash("sha256");
  const refuse = (why: string) => invalidOption(ns, name, "bytes", why);
  let size = 0;
  let chunks = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const put = async (index: number, bytes: Uint8Array) => {
    const { item } = KvBlobChunk.prepare({
      ns,
      name,
      generation,
      index,
      bytes: bytes as Uint8Array<ArrayBuffer>,
    });
    await core.executor.read(
      () => new PutItemCommand({ TableName: core.table, Item: item }),
      target.retry,
    );
  };
  try {
    for await (const bytes of chunksOf(input, CHUNK_BYTES, refuse)) {
      hash.update(bytes);
      size += bytes.length;
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure !== undefined) break;
      const sent: Promise<void> = put(chunks++, bytes)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
    }
  } catch (error) {
    failure ??= { error };
  }
  await Promise.all(inFlight);
  const written = { ns, name, generation, chunks };
  if (failure !== undefined) {
    await removeChunks(core, written, target.retry);
    throw failure.error;
  }
  const manifest = {
    ...written,
    size,
    sha256: hash.digest("hex"),
    chunkBytes: CHUNK_BYTES,
    at: new Date(),
  };
  const prepared = KvBlobManifest.prepare(manifest);
  let applied: Awaited<ReturnType<typeof combined>>;
  try {
    applied = await combined(target, undefined, {
      decide: () => ({ write: manifest, prepared }),
      initial: undefined,
      // Its version is the caller's, and its old chunks are the ones it replaced.
      solo: true,
    });
  } catch (error) {
    // Unknown: the manifest may name these chunks, so they must stay.
    if (!isDynatomError(error, "atom.outcome-unknown"))
      await removeChunks(core, written, target.retry);
    throw error;
  }
  const old = applied.old as KvBlobManifest | undefined;
  if (old !== undefined && old.generation !== generation)
    await removeChunks(core, old, target.retry);
  return { size, sha256: manifest.sha256, version: applied.made ?? applied.seen.version };
}
