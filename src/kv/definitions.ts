import * as v from "valibot";
import { declareAtom } from "../schema/declare.js";
import type { AtomDefinition } from "../schema/types.js";

/**
 * The key-value facade stores its data as atoms of four types of its own, so that its items
 * have the same readable form, bookkeeping and exactly-once writes as every atom. Their names
 * start with `dynatom-`, which `defineAtom` keeps for them.
 */
export const RESERVED_PREFIX = "dynatom-";

/** One key's value: `ns` is the namespace (the partition), `key` the sort key. */
export const KvValue = declareAtom({
  name: "dynatom-kv",
  version: 1,
  schema: v.object({
    ns: v.string(),
    key: v.string(),
    value: v.unknown(),
    expiresAt: v.optional(v.date()),
  }),
  key: { pk: ["ns"], sk: ["key"] },
  ttl: "expiresAt",
});

/** One entry of a log: each log is a partition of its own, its entries sorted by `seq`. */
export const KvLogEntry = declareAtom({
  name: "dynatom-kvlog",
  version: 1,
  schema: v.object({
    ns: v.string(),
    log: v.string(),
    seq: v.pipe(v.number(), v.integer(), v.minValue(0)),
    value: v.unknown(),
    at: v.date(),
  }),
  key: { pk: ["ns", "log"], sk: ["seq"] },
});

/** What names a blob's current bytes: written last, so a reader sees the old blob or the new. */
export const KvBlobManifest = declareAtom({
  name: "dynatom-kvblob",
  version: 1,
  schema: v.object({
    ns: v.string(),
    name: v.string(),
    /** Chunks of this write carry it in their key: a new write never touches an old one's. */
    generation: v.string(),
    size: v.pipe(v.number(), v.integer(), v.minValue(0)),
    sha256: v.string(),
    chunks: v.pipe(v.number(), v.integer(), v.minValue(0)),
    chunkBytes: v.pipe(v.number(), v.integer(), v.minValue(1)),
    at: v.date(),
  }),
  key: { pk: ["ns"], sk: ["name"] },
});

/** One chunk of one generation of a blob. */
export const KvBlobChunk = declareAtom({
  name: "dynatom-kvchunk",
  version: 1,
  schema: v.object({
    ns: v.string(),
    name: v.string(),
    generation: v.string(),
    index: v.pipe(v.number(), v.integer(), v.minValue(0)),
    bytes: v.instance(Uint8Array),
  }),
  key: { pk: ["ns", "name", "generation"], sk: ["index"] },
});

export type KvValue = v.InferOutput<typeof KvValue.schema>;
export type KvLogEntry = v.InferOutput<typeof KvLogEntry.schema>;
export type KvBlobManifest = v.InferOutput<typeof KvBlobManifest.schema>;

/** Every type the facade uses: a store registers them all. */
export const KV_ATOMS: readonly AtomDefinition[] = [
  KvValue,
  KvLogEntry,
  KvBlobManifest,
  KvBlobChunk,
] as unknown as readonly AtomDefinition[];
