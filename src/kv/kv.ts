import { Atom } from "../atom/atom.js";
import { combined } from "../atom/lane.js";
import { getIn } from "../atom/path.js";
import { type Applied, type Decision, readSeen, type Target } from "../atom/write.js";
import { type DynatomError, isDynatomError } from "../errors/index.js";
import type { RetryPolicy } from "../executor/policy.js";
import { live, type Seen } from "../protocol/state.js";
import { formatKey } from "../schema/keys.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { transact } from "../transact/transact.js";
import { type Blob, openBlob, readBlob } from "./blob-read.js";
import { type BlobInfo, type BlobInput, removeChunks, writeBlob } from "./blob-write.js";
import { KvBlobManifest, KvValue } from "./definitions.js";
import {
  type KeyInfo,
  type KeyPage,
  type ListOptions,
  type ListPageOptions,
  listPage,
} from "./list.js";
import { append, type LogEntry, type LogOptions, readLog } from "./log.js";
import { checkName, expiryOf, invalidOption, wholeOption } from "./names.js";
import type {
  BlobOptions,
  KvDeleteOptions,
  KvEntry,
  KvPutOptions,
  KvSetOptions,
} from "./options.js";
import { checkPath, type KvPath, removeAt, updateAt } from "./paths.js";
import { checkMany, checkVersion, keyExistsError } from "./refusals.js";
import { removeIf } from "./remove.js";

const MAX_CACHED = 1024;

/**
 * A namespace of schemaless values by key, on the store's table (one partition per namespace):
 * konserve's and dynastore's operations with the atoms' guarantees. Every read is strongly
 * consistent; every write is validated and encoded before it is sent, and applied exactly once
 * (or reported failed or unknown). Values take any type the codec stores.
 *
 * @example
 * const kv = store.kv("settings");
 * await kv.set("site", { theme: { color: "teal" } }, { ttlSeconds: 3600 });
 * await kv.updateIn("site", ["hits"], (n = 0) => n + 1);
 */
export class KeyValue {
  readonly namespace: string;
  readonly #core: StoreCore;
  readonly #retry: RetryPolicy;
  /** The state last seen per key: a write on it needs no read (a stale one only costs a conflict). */
  readonly #seen = new Map<string, Seen>();

  constructor(core: StoreCore, namespace: string, retry: RetryPolicy) {
    this.namespace = checkName(String(namespace), "namespace", namespace);
    this.#core = core;
    this.#retry = retry;
  }

  /** The value under `key`, or undefined (absent or expired). Strongly consistent. */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    return (await this.entry<T>(key))?.value;
  }

  /** The value with its version and expiry, or undefined (absent or expired). */
  async entry<T = unknown>(key: string): Promise<KvEntry<T> | undefined> {
    const target = this.#target(key);
    const seen = await readSeen(target);
    this.#learn(key, seen);
    if (!live(seen)) return undefined;
    const stored = seen.value as KvValue;
    return {
      value: stored.value as T,
      version: seen.version,
      ...(stored.expiresAt === undefined ? {} : { expiresAt: stored.expiresAt }),
    };
  }

  /** The value at `path` inside the key's value, or undefined. */
  async getIn<T = unknown>(key: string, path: KvPath): Promise<T | undefined> {
    checkPath(this.namespace, key, path, true);
    return getIn(await this.get(key), path) as T | undefined;
  }

  /** Whether a live value is under `key`. */
  async exists(key: string): Promise<boolean> {
    return (await this.entry(key)) !== undefined;
  }

  /**
   * Sets the value, whatever was there; without `ttlSeconds` it never expires.
   * @returns the version it was written as
   */
  async set(key: string, value: unknown, options: KvSetOptions = {}): Promise<{ version: number }> {
    return this.put(key, value, options);
  }

  /**
   * `set` with conditions: `ifAbsent` (create only) or `ifVersion` (replace only that version).
   * A refusal writes nothing and rests on the stored state, not on a cached one.
   */
  async put(key: string, value: unknown, options: KvPutOptions = {}): Promise<{ version: number }> {
    checkName(this.namespace, "key", key);
    const { ifAbsent, ifVersion } = options;
    if (ifAbsent !== undefined && typeof ifAbsent !== "boolean")
      throw invalidOption(
        this.namespace,
        key,
        "ifAbsent",
        `takes true or false, not ${String(ifAbsent)}`,
      );
    if (ifVersion !== undefined)
      wholeOption(this.namespace, key, "ifVersion", ifVersion, {
        min: 0,
        max: 2 ** 53 - 1,
        fallback: 0,
      });
    if (ifAbsent === true && ifVersion !== undefined)
      throw invalidOption(
        this.namespace,
        key,
        "ifVersion",
        "cannot go with ifAbsent: an absent key has no version",
      );
    const expiresAt = expiryOf(this.namespace, key, options.ttlSeconds);
    const record = {
      ns: this.namespace,
      key,
      value,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    // Encoded before anything is sent: a value the codec refuses fails here.
    const prepared = KvValue.prepare(record);
    const applied = await this.#write(
      key,
      (current, version) => {
        if (ifAbsent === true && current !== undefined)
          throw keyExistsError(this.namespace, key, version ?? 0);
        if (ifVersion !== undefined) checkVersion(this.namespace, key, current, version, ifVersion);
        return { write: record, prepared };
      },
      true,
    );
    // After a lost answer the item may show a later write on top of ours: ours made `made`.
    return { version: applied.made ?? applied.seen.version };
  }

  /**
   * Sets the value at `path` inside the key's value (creating objects along it), atomically:
   * a read-modify-write like an atom's swap, combined with other changes to the key. The
   * key's expiry stays. An empty path sets the whole value.
   * @returns `[old, new]`: the value at the path before and after
   */
  async assocIn<T = unknown>(key: string, path: KvPath, value: T): Promise<[unknown, T]> {
    const [old] = await this.#updatePath(key, path, () => value);
    return [old, value];
  }

  /**
   * Sets the value at `path` to `fn(current)`, atomically (see `assocIn`); `fn` must be pure,
   * as it may run more than once. `current` is undefined while nothing is at the path: give the
   * parameter a default, or a type that says so. Values are not checked on read, so its type is
   * what you declare.
   * @returns `[old, new]`: the value at the path before and after
   * @example await kv.updateIn("site", ["hits"], (n = 0) => n + 1);
   */
  async updateIn<T = never, R = T>(
    key: string,
    path: KvPath,
    fn: (current: T) => R,
  ): Promise<[[T] extends [never] ? unknown : T | undefined, R]> {
    return this.#updatePath(key, path, fn as (current: unknown) => R) as Promise<
      [[T] extends [never] ? unknown : T | undefined, R]
    >;
  }

  /**
   * Removes what is at `path` inside the key's value (an object's field, a Map's key, an array's
   * element), atomically. Writes nothing when nothing is there.
   * @returns whether something was removed
   */
  async dissocIn(key: string, path: KvPath): Promise<boolean> {
    checkName(this.namespace, "key", key);
    checkPath(this.namespace, key, path, false);
    const applied = await this.#write(key, removeAt(this.namespace, key, path));
    return applied.written;
  }

  /**
   * Deletes the key.
   * @returns whether a live value was there (an expired one counts as absent)
   */
  async delete(key: string, options: KvDeleteOptions = {}): Promise<boolean> {
    checkName(this.namespace, "key", key);
    const { ifVersion } = options;
    if (ifVersion !== undefined)
      wholeOption(this.namespace, key, "ifVersion", ifVersion, {
        min: 0,
        max: 2 ** 53 - 1,
        fallback: 0,
      });
    const target = this.#target(key);
    const removed = await removeIf(target, this.#seen.get(key), (seen) => {
      if (ifVersion === undefined) return undefined;
      try {
        checkVersion(
          this.namespace,
          key,
          live(seen) ? seen.value : undefined,
          seen.version,
          ifVersion,
        );
        return undefined;
      } catch (error) {
        return error as DynatomError;
      }
    });
    this.#seen.delete(key);
    return removed.existed;
  }

  /**
   * Every live key (with `prefix`, those starting with it), in key order, read page by page,
   * strongly consistently unless `consistent: false`.
   * @example for await (const key of kv.keys({ prefix: "job-" })) console.log(key);
   */
  async *keys(options: ListOptions = {}): AsyncGenerator<string> {
    let cursor: string | undefined;
    do {
      const page = await this.listPage({
        ...options,
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const info of page.keys) yield info.key;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /**
   * One page of live keys with their versions and expiries; pass its `cursor` for the next.
   * @example const { keys, cursor } = await kv.listPage({ prefix: "job-", limit: 100 });
   */
  async listPage(options: ListPageOptions = {}): Promise<KeyPage> {
    const prefix = options.prefix ?? "";
    if (typeof prefix !== "string" || !prefix.isWellFormed())
      throw invalidOption(this.namespace, "", "prefix", "takes a well-formed string");
    if (options.consistent !== undefined && typeof options.consistent !== "boolean")
      throw invalidOption(this.namespace, "", "consistent", "takes true or false");
    const limit = wholeOption(this.namespace, "", "limit", options.limit, {
      min: 1,
      max: 1000,
      fallback: 100,
    });
    return listPage(this.#core, this.namespace, {
      prefix,
      limit,
      cursor: options.cursor,
      consistent: options.consistent ?? true,
    });
  }

  /**
   * Sets several keys in ONE transaction: all or none (at most 100 keys, refused before any
   * request with `kv.too-many-keys`).
   */
  async multiSet(
    entries: Readonly<Record<string, unknown>>,
    options: KvSetOptions = {},
  ): Promise<void> {
    const proto: unknown =
      typeof entries === "object" && entries !== null ? Object.getPrototypeOf(entries) : undefined;
    if (proto !== Object.prototype && proto !== null)
      throw invalidOption(this.namespace, "", "entries", "takes a plain object of key → value");
    const keys = Object.keys(entries);
    checkMany(this.namespace, keys);
    const records = keys.map((key) => {
      const expiresAt = expiryOf(this.namespace, key, options.ttlSeconds);
      const record = {
        ns: this.namespace,
        key,
        value: entries[key],
        ...(expiresAt === undefined ? {} : { expiresAt }),
      };
      KvValue.prepare(record);
      return record;
    });
    if (records.length === 0) return;
    await transact(this.#core, this.#retry, (tx) =>
      records.map((record) => tx.swap(this.#atom(record.key), () => record)),
    );
    for (const key of keys) this.#seen.delete(key);
  }

  /** Deletes several keys in ONE transaction (at most 100 keys; absent ones are fine). */
  async multiDelete(keys: readonly string[]): Promise<void> {
    if (!Array.isArray(keys))
      throw invalidOption(this.namespace, "", "keys", "takes an array of keys");
    const unique = [...new Set(keys)];
    checkMany(this.namespace, unique);
    if (unique.length === 0) return;
    await transact(this.#core, this.#retry, (tx) =>
      unique.map((key) =>
        tx.delete(KvValue as unknown as AtomDefinition, { ns: this.namespace, key }),
      ),
    );
    for (const key of unique) this.#seen.delete(key);
  }

  /**
   * Appends an entry to the log `name`: ONE conditional write of a new item, at the next seq.
   * Concurrent appenders never lose, duplicate or reorder an acknowledged entry.
   * @returns the entry's seq (0 for a log's first)
   */
  async append(name: string, value: unknown): Promise<{ seq: number }> {
    checkName(this.namespace, "log name", name);
    return { seq: await append(this.#core, this.namespace, name, value, this.#retry) };
  }

  /**
   * The entries of the log `name` in seq order, from `from` (default 0), at most `limit`,
   * read strongly consistently, a page per request.
   */
  log<T = unknown>(name: string, options: LogOptions = {}): AsyncGenerator<LogEntry<T>> {
    checkName(this.namespace, "log name", name);
    const from = wholeOption(this.namespace, name, "from", options.from, {
      min: 0,
      max: 2 ** 53 - 1,
      fallback: 0,
    });
    const limit =
      options.limit === undefined
        ? Number.POSITIVE_INFINITY
        : wholeOption(this.namespace, name, "limit", options.limit, {
            min: 1,
            max: 2 ** 53 - 1,
            fallback: 1,
          });
    return readLog(this.#core, this.namespace, name, from, limit) as AsyncGenerator<LogEntry<T>>;
  }

  /**
   * Stores a blob of any size: chunks written in parallel, then a manifest (size, sha-256), so a
   * reader sees the old blob or the new one whole; the old chunks are removed afterwards.
   * Memory stays at about `concurrency + 1` chunks of 384 KiB for a stream of any length.
   */
  async setBlob(name: string, bytes: BlobInput, options: BlobOptions = {}): Promise<BlobInfo> {
    return writeBlob(
      this.#blobTarget(name),
      this.namespace,
      name,
      bytes,
      this.#concurrency(name, options),
    );
  }

  /** The blob's size, sha-256 and bytes as a stream (see {@link Blob}), or undefined. */
  async openBlob(name: string, options: BlobOptions = {}): Promise<Blob | undefined> {
    return openBlob(this.#blobTarget(name), this.#concurrency(name, options));
  }

  /** The whole blob in memory, or undefined; one replaced while read is read again. */
  async getBlob(name: string, options: BlobOptions = {}): Promise<Uint8Array | undefined> {
    return readBlob(this.#blobTarget(name), this.#concurrency(name, options));
  }

  /**
   * Deletes the blob: its manifest, then its chunks.
   * @returns whether there was one
   */
  async deleteBlob(name: string): Promise<boolean> {
    const target = this.#blobTarget(name);
    const start = await readSeen(target);
    let removed: Awaited<ReturnType<typeof removeIf>>;
    try {
      removed = await removeIf(target, start, () => undefined);
    } catch (error) {
      // Unknown: if the manifest now names another generation (or none), the one read first is
      // named by nothing, whichever write replaced it: its chunks go all the same.
      const old = live(start) ? (start.value as KvBlobManifest) : undefined;
      if (old !== undefined && isDynatomError(error, "atom.outcome-unknown")) {
        const now = await readSeen(target).catch(() => undefined);
        const current = now !== undefined && live(now) ? (now.value as KvBlobManifest) : undefined;
        if (now !== undefined && current?.generation !== old.generation) {
          await removeChunks(this.#core, old, this.#retry);
        }
      }
      throw error;
    }
    if (removed.existed)
      await removeChunks(this.#core, removed.basis.value as KvBlobManifest, this.#retry);
    return removed.existed;
  }

  #target(key: string): Target {
    checkName(this.namespace, "key", key);
    return this.#targetOf(KvValue as unknown as AtomDefinition, { ns: this.namespace, key });
  }

  #blobTarget(name: string): Target {
    checkName(this.namespace, "blob name", name);
    return this.#targetOf(KvBlobManifest as unknown as AtomDefinition, {
      ns: this.namespace,
      name,
    });
  }

  #targetOf(definition: AtomDefinition, fields: Readonly<Record<string, string>>): Target {
    return {
      core: this.#core,
      definition,
      key: definition.keyOf(fields as never),
      keyText: formatKey(fields),
      retry: this.#retry,
    };
  }

  #atom(key: string): Atom<unknown> {
    return new Atom(
      this.#core,
      KvValue as unknown as AtomDefinition,
      { ns: this.namespace, key },
      { retry: this.#retry },
    );
  }

  #concurrency(name: string, options: BlobOptions): number {
    return wholeOption(this.namespace, name, "concurrency", options.concurrency, {
      min: 1,
      max: 32,
      fallback: 4,
    });
  }

  #learn(key: string, seen: Seen): void {
    this.#seen.delete(key);
    this.#seen.set(key, seen);
    if (this.#seen.size > MAX_CACHED) this.#seen.delete(this.#seen.keys().next().value as string);
  }

  /** One exactly-once write of the key, decided on its current stored record. */
  async #write(
    key: string,
    decide: (current: unknown, version: number | undefined) => Decision,
    solo = false,
  ): Promise<Applied> {
    const target = this.#target(key);
    const applied = await combined(target, this.#seen.get(key), {
      decide,
      initial: undefined,
      solo,
    });
    this.#learn(key, applied.seen);
    return applied;
  }

  async #updatePath<R>(
    key: string,
    path: KvPath,
    fn: (current: unknown) => R,
  ): Promise<[unknown, R]> {
    checkName(this.namespace, "key", key);
    checkPath(this.namespace, key, path, true);
    let result: [unknown, R] = [undefined, undefined as R];
    await this.#write(
      key,
      updateAt(this.namespace, key, path, fn, (seen) => {
        result = seen;
      }),
    );
    return result;
  }
}

export type {
  Blob,
  BlobInfo,
  BlobInput,
  BlobOptions,
  KeyInfo,
  KeyPage,
  KvDeleteOptions,
  KvEntry,
  KvPath,
  KvPutOptions,
  KvSetOptions,
  ListOptions,
  ListPageOptions,
  LogEntry,
  LogOptions,
};
