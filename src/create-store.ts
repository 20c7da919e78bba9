import { Atom, type AtomOptions } from "./atom/atom.js";
import { findItems } from "./batch/find.js";
import type { BatchWriteOptions, FindOptions } from "./batch/options.js";
import { deleteItems, putItems } from "./batch/write.js";
import { type ChangeFeed, Feed } from "./changes/feed.js";
import type { ChangeOf, ChangesOptions } from "./changes/types.js";
import type { Fields } from "./encoding/item.js";
import type { ClientOptions } from "./executor/client.js";
import { type RetryOptions, retryPolicy } from "./executor/policy.js";
import { KeyValue } from "./kv/kv.js";
import { atomQueries } from "./query/queries.js";
import type { AtomQueries } from "./query/types.js";
import { type BackfillOptions, type BackfillResult, backfillItems } from "./scan/backfill.js";
import { type ScanOptions, type ScanPage, scanItems } from "./scan/scan.js";
import { formatKey } from "./schema/keys.js";
import type {
  AtomDefinition,
  AtomKey,
  InferAtom,
  InferAtomInput,
  Registered,
} from "./schema/types.js";
import { StoreCore } from "./store/core.js";
import type { EnsureTableOptions } from "./store/table.js";
import type { Tx, TxOp } from "./transact/ops.js";
import { type TransactOptions, type TxResults, transact } from "./transact/transact.js";
import type { UpdateBuilder } from "./update/builder.js";
import { updateOf } from "./update/update.js";

/** Options of {@link createStore}; `Atoms` is the list of atom types it registers. */
export interface StoreOptions<Atoms extends readonly AtomDefinition[] = readonly AtomDefinition[]>
  extends ClientOptions {
  /** The one table that holds every atom type (single-table design). */
  readonly table: string;
  /** The atom types this store reads and writes; their names must be unique. */
  readonly atoms: Atoms;
  /** How swaps retry on conflict, for every atom of the store (an atom may override it). */
  readonly retry?: RetryOptions;
}

/**
 * A store: one table of atoms, on one DynamoDB. `Atoms` lists the atom types it was made with,
 * and a method given any other type does not compile. `Store` alone (a list known only at run
 * time) takes every atom type and leaves the check to run time.
 *
 * `in`: a store registering more atom types may stand where fewer are asked for, never the
 * reverse. For a helper that takes any store, as `Kysely<any>`, write `Store<any>`.
 * @example
 * const atoms = [Account, Counter];
 * function report(store: Store<typeof atoms>) {}
 * report(createStore({ table: "app", atoms }));
 */
export interface Store<in Atoms extends readonly AtomDefinition[] = readonly AtomDefinition[]> {
  readonly table: string;
  // The `init` overload comes first: an options object typed with `init` (not only a literal)
  // must get the handle whose value is never undefined.
  /**
   * The atom with this key, whose value is `init` while the item is absent.
   * @example const hits = store.atom(Counter, { name: "hits" }, { init: { name: "hits", n: 0 } });
   */
  atom<D extends AtomDefinition>(
    definition: Registered<D, Atoms>,
    key: AtomKey<D>,
    options: AtomOptions<InferAtom<D>> & { readonly init: InferAtom<D> },
  ): Atom<InferAtom<D>, InferAtomInput<D>>;
  /**
   * The atom with this key; its value is `undefined` while the item is absent.
   * @example const acct = store.atom(Account, { tenant: "t1", id: "a1" }, { retry: { maxAttempts: 5 } });
   */
  atom<D extends AtomDefinition>(
    definition: Registered<D, Atoms>,
    key: AtomKey<D>,
    options?: Omit<AtomOptions<InferAtom<D>>, "init">,
  ): Atom<InferAtom<D> | undefined, InferAtomInput<D>>;
  /**
   * Typed queries on the atom type's indexes: one method per index, taking its partition fields.
   * Sort conditions compare values in their own order (Dates, negative and fractional numbers,
   * bigints), because index fields are stored in an order-preserving form.
   * @example
   * const { items, cursor } = await store.query(Account).byTenantCreated({ tenant: "t1" })
   *   .gte({ createdAt: new Date("2026-01-01") })
   *   .go({ limit: 50, order: "desc" });
   */
  query<D extends AtomDefinition>(definition: Registered<D, Atoms>): AtomQueries<D>;
  /**
   * An update of one atom without reading its value: `set`, `remove`, `add` (an atomic
   * counter), `append`, `addToSet`, `deleteFromSet`, an optional `where`; `go()` sends ONE
   * UpdateItem, exactly once under lost answers, and resolves to the new value. Where an update
   * needs the stored value (an indexed field, a rule on the whole value), it runs as a swap.
   * @example const next = await store.update(Account, { tenant: "t1", id: "a1" }).add({ score: 1 }).go();
   */
  update<D extends AtomDefinition>(
    definition: Registered<D, Atoms>,
    key: AtomKey<D>,
  ): UpdateBuilder<InferAtom<D>, Omit<InferAtomInput<D>, keyof AtomKey<D>>>;
  /**
   * Reads every item of the atom type, in pages of decoded values, `segments` parts of the
   * table read in parallel (`concurrency` at a time); only this type's items, eventually
   * consistent unless `consistent: true`.
   * @example for await (const page of store.scan(Account, { segments: 4 })) render(page.items);
   */
  scan<D extends AtomDefinition>(
    definition: Registered<D, Atoms>,
    options?: ScanOptions<InferAtom<D>>,
  ): AsyncIterableIterator<ScanPage<InferAtom<D>>>;
  /**
   * Rewrites every item of the atom type that its definition would write differently: items of
   * an older schema version (migrated) and items lacking the keys of an index added since. Each
   * rewrite is conditional on the item as read, so a concurrent change is never overwritten.
   * Resumable from the `cursor` `onProgress` reports.
   * @example await store.backfill(Account, { onProgress: ({ scanned, rewritten }) => log(scanned, rewritten) });
   */
  backfill<D extends AtomDefinition>(
    definition: Registered<D, Atoms>,
    options?: BackfillOptions,
  ): Promise<BackfillResult>;
  /**
   * Reads many atoms by key, 100 keys per request and `concurrency` requests at a time; values
   * come back aligned with `keys`, `undefined` where absent. Unprocessed keys are read again
   * with backoff; keys still unread after that fail the call with a `BatchIncompleteError`
   * listing exactly them.
   * @example const [a, b] = await store.findItems(Account, [{ tenant: "t1", id: "a1" }, { tenant: "t1", id: "a2" }]);
   */
  findItems<D extends AtomDefinition>(
    definition: Registered<D, Atoms>,
    keys: readonly AtomKey<D>[],
    options?: FindOptions,
  ): Promise<(InferAtom<D> | undefined)[]>;
  /**
   * Writes many values, 25 per request. Every value is validated and encoded before the first
   * request, so one bad value writes nothing. Unprocessed items are written again with backoff;
   * items still unwritten fail the call with a `BatchIncompleteError` listing exactly them.
   * @example await store.putItems(Account, accounts, { concurrency: 8, onProgress: ({ done, total }) => log(done, total) });
   */
  putItems<D extends AtomDefinition>(
    definition: Registered<D, Atoms>,
    values: readonly InferAtomInput<D>[],
    options?: BatchWriteOptions,
  ): Promise<void>;
  /** Deletes many atoms by key, 25 per request, with the same failure model as `putItems`. */
  deleteItems<D extends AtomDefinition>(
    definition: Registered<D, Atoms>,
    keys: readonly AtomKey<D>[],
    options?: BatchWriteOptions,
  ): Promise<void>;
  /**
   * Runs the operations `fn` returns as one DynamoDB transaction, all or nothing (at most 100
   * items and 4 MB, refused before anything is sent). Resolves to each operation's result, in
   * order: the value put, undefined for a delete, the new value of a swap, the value checked.
   * @example
   * const [, next] = await store.transact((tx) => [
   *   tx.put(Account, account),
   *   tx.swap(counter, (c) => ({ ...c, n: c.n + 1 })),
   *   tx.delete(Account, { tenant: "t1", id: "old" }),
   * ]);
   */
  transact<const Ops extends readonly TxOp<unknown>[]>(
    fn: (tx: Tx<Atoms>) => Ops,
    options?: TransactOptions,
  ): Promise<TxResults<Ops>>;
  /**
   * The table's change feed (DynamoDB Streams): every change to atoms of `atoms`, by any process,
   * decoded, in order per item; typed as a union that `change.atom` narrows. Asking for the next
   * change acknowledges the one before. With a `group`, checkpoints and leases are kept in the
   * table: a restart resumes after the last acknowledged change, and processes of one group
   * share the shards. Nothing is sent until the loop asks for the first change.
   * @example
   * for await (const change of store.changes({ atoms: [Account, Counter], from: "trim-horizon", group: "billing" })) {
   *   if (change.atom === "account" && change.type === "modify") audit(change.old, change.new);
   * }
   */
  changes<const A extends readonly AtomDefinition[]>(
    options: ChangesOptions<A> & {
      readonly atoms: { readonly [I in keyof A]: Registered<A[I], Atoms> };
    },
  ): ChangeFeed<ChangeOf<A>>;
  /**
   * A key-value namespace on this table (one partition): schemaless values by key with paths,
   * versions, TTL and listing; append-only logs; blobs of any size. No atom type to declare.
   * @example
   * const kv = store.kv("settings");
   * await kv.set("site", { theme: "dark" });
   * await kv.updateIn("site", ["hits"], (n = 0) => n + 1);
   */
  kv(namespace: string): KeyValue;
  /**
   * Creates the table (with its stream, for the change feed) and the GSIs the atoms need, or adds
   * what is missing: GSIs, the stream where it is off (unless `stream: false`), TTL where a type
   * declares it; idempotent.
   */
  ensureTable(options?: EnsureTableOptions): Promise<void>;
  /** Releases what the store opened: its client, and the embedded DynamoDB Local if it started one. */
  close(): Promise<void>;
}

/**
 * Opens a store on a table. No I/O happens until the first request; the embedded DynamoDB Local
 * (`endpoint: "embedded"`) starts then.
 *
 * @example
 * const store = createStore({ table: "app", atoms: [Account, Counter], endpoint: "embedded" });
 * await store.ensureTable();
 */
export function createStore<A extends AtomDefinition>(
  options: StoreOptions<readonly A[]>,
): Store<readonly A[]> {
  const core = new StoreCore(options);
  retryPolicy(options.retry); // a bad policy fails here, not at the first conflict
  // Built as the store of any atom type, which narrows to `Store<readonly A[]>` by `in`: the
  // run-time check stays for callers the compiler does not see.
  const store: Store = {
    table: core.table,
    // One implementation for both overloads: with `init` the value is never undefined.
    atom: ((
      definition: AtomDefinition,
      key: Readonly<Record<string, unknown>>,
      atomOptions?: AtomOptions<unknown>,
    ) =>
      new Atom(
        core,
        core.registered(definition),
        key,
        atomOptions,
        options.retry,
      )) as Store["atom"],
    query: ((definition: AtomDefinition) =>
      atomQueries(core, core.registered(definition))) as Store["query"],
    update: ((definition: AtomDefinition, key: Readonly<Record<string, unknown>>) => {
      const registered = core.registered(definition);
      const target = {
        core,
        definition: registered,
        key: registered.keyOf(key as never),
        keyText: formatKey(key),
        retry: retryPolicy(options.retry),
      };
      return updateOf(target, key);
    }) as Store["update"],
    scan: ((definition: AtomDefinition, scanOptions?: ScanOptions) =>
      scanItems(core, core.registered(definition), scanOptions)) as Store["scan"],
    backfill: ((definition: AtomDefinition, backfillOptions?: BackfillOptions) =>
      backfillItems(core, core.registered(definition), backfillOptions)) as Store["backfill"],
    findItems: ((definition: AtomDefinition, keys: readonly Fields[], findOptions?: FindOptions) =>
      findItems(core, core.registered(definition), keys, findOptions)) as Store["findItems"],
    putItems: ((
      definition: AtomDefinition,
      values: readonly Fields[],
      writeOptions?: BatchWriteOptions,
    ) => putItems(core, core.registered(definition), values, writeOptions)) as Store["putItems"],
    deleteItems: ((
      definition: AtomDefinition,
      keys: readonly Fields[],
      writeOptions?: BatchWriteOptions,
    ) =>
      deleteItems(core, core.registered(definition), keys, writeOptions)) as Store["deleteItems"],
    transact: ((fn: (tx: Tx) => readonly unknown[], transactOptions?: TransactOptions) =>
      transact(core, retryPolicy(options.retry, transactOptions?.retry), fn)) as Store["transact"],
    changes: ((changeOptions: ChangesOptions<readonly AtomDefinition[]>) =>
      new Feed(core, changeOptions)) as Store["changes"],
    kv: (namespace) => new KeyValue(core, namespace, retryPolicy(options.retry)),
    ensureTable: (options) => core.ensureTable(options),
    close: () => core.close(),
  };
  return store;
}
