import { type Atom, type AtomInternals, INTERNALS } from "../atom/atom.js";
import type { Item } from "../encoding/item.js";
import { TransactionError } from "../errors/index.js";
import { blindWriteBookkeeping } from "../schema/bookkeeping.js";
import { formatKey, pickKeyFields } from "../schema/keys.js";
import type {
  AtomDefinition,
  AtomKey,
  InferAtom,
  InferAtomInput,
  Registered,
  SwapResult,
} from "../schema/types.js";
import type { StoreCore } from "../store/core.js";

declare const txOp: unique symbol;

/** One operation of a transaction, made by `tx`; `R` is what the transaction returns for it. */
export interface TxOp<R> {
  /** Type-only: only `tx` makes operations. */
  readonly [txOp]: true;
  /** Type-only: the result of this operation. */
  readonly "~result"?: R;
}

/** What an operation is, once built. */
export type OpSpec =
  | {
      readonly kind: "put";
      readonly atom: string;
      readonly keyText: string;
      readonly key: Item;
      readonly item: Item;
      readonly value: unknown;
      readonly ifAbsent: boolean;
      /** The type expires items (`ttl`): an expired one counts as absent. */
      readonly expires: boolean;
    }
  | {
      readonly kind: "delete";
      readonly atom: string;
      readonly keyText: string;
      readonly key: Item;
      readonly ifExists: boolean;
      /** The type expires items (`ttl`): an expired one counts as absent. */
      readonly expires: boolean;
    }
  | {
      readonly kind: "swap";
      readonly internals: AtomInternals;
      readonly fn: (current: unknown) => unknown;
    }
  | {
      readonly kind: "check";
      readonly internals: AtomInternals;
      readonly test: (current: unknown) => boolean;
    };

/** Operations are plain objects holding their spec under a private symbol. */
export const SPEC = Symbol("dynatom.tx-op");

function op<R>(spec: OpSpec): TxOp<R> {
  // The brand is type-only: operations are plain objects holding their spec.
  return { [SPEC]: spec } as unknown as TxOp<R>;
}

export function specOf(value: unknown): OpSpec | undefined {
  return typeof value === "object" && value !== null
    ? (value as { [SPEC]?: OpSpec })[SPEC]
    : undefined;
}

/**
 * Builds the operations of one transaction. Nothing is sent until the function returns.
 * `Atoms` is the store's list of atom types: `put` and `delete` take only those.
 */
export interface Tx<in Atoms extends readonly AtomDefinition[] = readonly AtomDefinition[]> {
  /**
   * Writes the value (validated and encoded now). With `ifAbsent`, the transaction is cancelled
   * if the item exists.
   */
  put<D extends AtomDefinition>(
    definition: Registered<D, Atoms>,
    value: InferAtomInput<D>,
    options?: { readonly ifAbsent?: boolean },
  ): TxOp<InferAtom<D>>;
  /** Deletes the item. With `ifExists`, the transaction is cancelled if there is none. */
  delete<D extends AtomDefinition>(
    definition: Registered<D, Atoms>,
    key: AtomKey<D>,
    options?: { readonly ifExists?: boolean },
  ): TxOp<undefined>;
  /**
   * Sets the atom to `fn(current)`, conditional on the version `fn` saw; on a conflict the whole
   * transaction runs again on fresh values. `fn` must be pure.
   */
  swap<T, In>(
    atom: Atom<T, In>,
    fn: (current: T) => SwapResult<Exclude<T, undefined>, In>,
  ): TxOp<Exclude<T, undefined>>;
  /**
   * Commits the transaction only if `test(current)` holds and the atom is still at the version
   * it was tested on. A false test cancels the transaction, naming this operation.
   */
  check<T, In>(atom: Atom<T, In>, test: (current: T) => boolean): TxOp<T>;
}

/** The `tx` a transaction function receives, for one store. */
export function txBuilder(core: StoreCore): Tx {
  const internalsOf = (atom: Atom<unknown>) => {
    const internals = atom[INTERNALS]();
    if (internals.target.core !== core) {
      const reason = `atom "${internals.target.definition.name}" ${internals.target.keyText} belongs to another store`;
      throw new TransactionError(
        "transaction.invalid-operation",
        `store.transact: ${reason}; use a handle of this store.`,
        { details: { reason } },
      );
    }
    internals.live();
    return internals;
  };
  return {
    put(definition, value, options) {
      const registered = core.registered(definition);
      const prepared = registered.prepare(value as never);
      const key = registered.keyOf(prepared.value as never);
      return op({
        kind: "put",
        atom: registered.name,
        keyText: formatKey(
          pickKeyFields(registered.key, prepared.value as Record<string, unknown>),
        ),
        key,
        item: { ...prepared.item, ...blindWriteBookkeeping() },
        value: prepared.value,
        ifAbsent: options?.ifAbsent ?? false,
        expires: registered.ttl !== undefined,
      });
    },
    delete(definition, key, options) {
      const registered = core.registered(definition);
      return op({
        kind: "delete",
        atom: registered.name,
        keyText: formatKey(pickKeyFields(registered.key, key as Readonly<Record<string, unknown>>)),
        key: registered.keyOf(key as never),
        ifExists: options?.ifExists ?? false,
        expires: registered.ttl !== undefined,
      });
    },
    swap(atom, fn) {
      return op({
        kind: "swap",
        internals: internalsOf(atom as Atom<unknown>),
        fn: fn as (current: unknown) => unknown,
      });
    },
    check(atom, test) {
      return op({
        kind: "check",
        internals: internalsOf(atom as Atom<unknown>),
        test: test as (current: unknown) => boolean,
      });
    },
  };
}
