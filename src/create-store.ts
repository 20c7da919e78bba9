import { Atom, type AtomOptions } from "./atom/atom.js";
import type { RetryOptions } from "./atom/retry.js";
import type { AtomDefinition, AtomKey, InferAtom } from "./schema/types.js";
import type { ClientOptions } from "./store/client.js";
import { StoreCore } from "./store/core.js";

/** Options of {@link createStore}. */
export interface StoreOptions extends ClientOptions {
  /** The one table that holds every atom type (single-table design). */
  readonly table: string;
  /** The atom types this store reads and writes; their names must be unique. */
  readonly atoms: readonly AtomDefinition[];
  /** How swaps retry on conflict, for every atom of the store (an atom may override it). */
  readonly retry?: RetryOptions;
}

/** A store: one table of atoms, on one DynamoDB. */
export interface Store {
  readonly table: string;
  /**
   * The atom with this key. Without `init` its value is `undefined` while the item is absent.
   * @example const acct = store.atom(Account, { tenant: "t1", id: "a1" });
   */
  atom<D extends AtomDefinition>(definition: D, key: AtomKey<D>): Atom<InferAtom<D> | undefined>;
  atom<D extends AtomDefinition>(
    definition: D,
    key: AtomKey<D>,
    options: AtomOptions<InferAtom<D>> & { readonly init: InferAtom<D> },
  ): Atom<InferAtom<D>>;
  /** Creates the table and the GSIs the atoms need, or adds missing GSIs; idempotent. */
  ensureTable(): Promise<void>;
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
export function createStore(options: StoreOptions): Store {
  const core = new StoreCore(options);
  return {
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
    ensureTable: () => core.ensureTable(),
    close: () => core.close(),
  };
}
