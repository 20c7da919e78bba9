import {
  type RemoteWatch,
  type RemoteWatchFn,
  type RemoteWatchOptions,
  watchRemote,
} from "../changes/watch-remote.js";
import { AtomDestroyedError, DynatomError } from "../errors/index.js";
import { type RetryOptions, retryPolicy } from "../executor/policy.js";
import { ABSENT, live, type Seen } from "../protocol/state.js";
import { formatKey } from "../schema/keys.js";
import type { AtomDefinition, SwapResult } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import type { UpdateBuilder } from "../update/builder.js";
import { updateOf } from "../update/update.js";
import { equal } from "./equal.js";
import { combined } from "./lane.js";
import { assocIn, getIn, type ValueAt } from "./path.js";
import { removeOnce } from "./remove.js";
import { type Applied, type Decision, readSeen, type Target } from "./write.js";

/** Options of one atom handle. */
export interface AtomOptions<T> {
  /** The value while the item is absent: what `deref` returns and what `swap` starts from. Never written by itself. */
  readonly init?: T;
  /** This atom's retry policy, over the store's. */
  readonly retry?: RetryOptions;
}

/** Called after every successful change made through this handle, with the old and new value. */
export type WatchFn<T, In = Value<T>> = (
  name: string,
  atom: Atom<T, In>,
  oldValue: T,
  newValue: Exclude<T, undefined>,
) => void;

type Value<T> = Exclude<T, undefined>;

/** What `swapIn` hands its function: the value at the path, or undefined while nothing is there. */
type PathValue<T, P extends readonly (string | number)[]> = undefined extends T
  ? ValueAt<Value<T>, P> | undefined
  : ValueAt<Value<T>, P>;

/** The key of a handle's internals, for transactions; not exported from the package. */
export const INTERNALS = Symbol("dynatom.atom-internals");

/** What a transaction needs from an atom handle. */
export interface AtomInternals {
  readonly target: Target;
  readonly init: unknown;
  /** The state the handle last saw, if any. */
  readonly seen: Seen | undefined;
  /** Fails if the handle was destroyed. */
  live(): void;
  /** Records the state a transaction left (or showed, when it was cancelled). */
  saw(seen: Seen): void;
  /** Runs the watches for a change a committed transaction made. */
  notify(old: unknown, value: unknown, version: number): void;
}

/**
 * A durable atom: one item of one atom type, shared by every process that opens it, with
 * Clojure's atom semantics. Every write is conditional on the version this handle last saw, so
 * no update is ever lost; a write is applied exactly once, or reported failed or unknown.
 *
 * @example
 * const acct = store.atom(Account, { tenant: "t1", id: "a1" });
 * await acct.swap((a) => ({ ...a!, balance: a!.balance + 10n }));
 */
export class Atom<T, In = Value<T>> {
  readonly #target: Target;
  readonly #keyFields: Readonly<Record<string, unknown>>;
  readonly #init: T | undefined;
  readonly #watches = new Map<string, WatchFn<T, In>>();
  #seen: Seen | undefined;
  #destroyed = false;

  constructor(
    core: StoreCore,
    definition: AtomDefinition,
    key: Readonly<Record<string, unknown>>,
    options: AtomOptions<T> = {},
    storeRetry?: RetryOptions,
  ) {
    this.#target = {
      core,
      definition,
      key: definition.keyOf(key as never),
      keyText: formatKey(key),
      retry: retryPolicy(storeRetry, options.retry),
    };
    this.#init = options.init;
    this.#keyFields = key;
  }

  /** @internal For `store.transact`. */
  [INTERNALS](): AtomInternals {
    return {
      target: this.#target,
      init: this.#init,
      seen: this.#seen,
      live: () => this.#live(),
      saw: (seen) => this.#learn(seen),
      notify: (old, value, version) => this.#notify(old as T, value as Value<T>, version),
    };
  }

  /** The version of the item this handle last saw: 0 while absent, undefined before any request. */
  get version(): number | undefined {
    return this.#seen?.version;
  }

  /** The current value, read strongly consistently; `init` (or undefined) while the item is absent. */
  async deref(): Promise<T> {
    const seen = await readSeen(this.#target);
    this.#learn(seen);
    return this.#current(seen);
  }

  /**
   * An update without a read of the value (see `store.update`), through this handle: it learns
   * the new version and runs its watches. With watches, it reads the old value for them (the
   * update then runs as a swap).
   * @example await acct.update().add({ score: 1 }).go();
   */
  update(): UpdateBuilder<Value<T>, In> {
    return updateOf<Value<T>, In>(this.#target, this.#keyFields, {
      seen: () => this.#seen,
      watched: () => this.#watches.size > 0,
      live: () => this.#live(),
      after: (applied) => {
        this.#learn(applied.seen);
        if (this.#watches.size > 0) {
          const old = applied.old === undefined ? this.#init : applied.old;
          this.#notify(old as T, applied.value as Value<T>, applied.seen.version);
        }
      },
    });
  }

  /**
   * Sets the value, whatever it was (validated first, before any request); bumps the version.
   * @returns the value stored (valibot's output)
   */
  async reset(value: In): Promise<Value<T>> {
    return (await this.resetVals(value))[1];
  }

  /** Like `reset`, returning `[old, new]`. */
  async resetVals(value: In): Promise<[T, Value<T>]> {
    this.#live();
    // Validate before anything is sent, even on a handle that must read first.
    const prepared = this.#target.definition.prepare(value as never);
    return this.#change(() => ({ write: value, prepared }));
  }

  /**
   * Sets the value to `fn(current)`, by optimistic compare-and-set: on a conflict `fn` runs
   * again on the newer value, with full-jitter backoff, until the retry policy runs out
   * (`SwapConflictError`, nothing written). `fn` must be pure: it may run more than once.
   * A handle that has seen the current version writes in one request.
   */
  async swap(fn: (current: T) => SwapResult<Value<T>, In>): Promise<Value<T>> {
    return (await this.swapVals(fn))[1];
  }

  /** Like `swap`, returning `[old, new]`. */
  async swapVals(fn: (current: T) => SwapResult<Value<T>, In>): Promise<[T, Value<T>]> {
    this.#live();
    return this.#change((current) => ({ write: fn(current as T) }));
  }

  /**
   * Updates the value at one path (object fields, array indexes, Map keys), copying along it.
   * On a handle without `init`, `fn` gets `undefined` while the item is absent.
   * @example await acct.swapIn(["prefs", "theme"], () => "dark");
   */
  async swapIn<const P extends readonly (string | number)[]>(
    path: P,
    fn: (current: PathValue<T, P>) => ValueAt<Value<T>, P>,
  ): Promise<Value<T>> {
    return this.swap(
      (current) =>
        assocIn(current, path, fn(getIn(current, path) as PathValue<T, P>)) as SwapResult<
          Value<T>,
          In
        >,
    );
  }

  /**
   * Sets `next` only if the current value is structurally equal to `expected`.
   * @returns whether it was set
   */
  async compareAndSet(expected: T, next: In): Promise<boolean> {
    this.#live();
    const applied = await this.#apply(
      (current): Decision => (equal(current, expected) ? { write: next } : { stop: true }),
    );
    if (applied.written)
      this.#notify(applied.old as T, applied.value as Value<T>, applied.seen.version);
    return applied.written;
  }

  /** Calls `fn` after every successful change made through this handle. Replaces a watch of the same name. */
  watch(name: string, fn: WatchFn<T, In>): this {
    this.#watches.set(name, fn);
    return this;
  }

  unwatch(name: string): this {
    this.#watches.delete(name);
    return this;
  }

  /**
   * Calls `fn` with every change ANY process makes to this atom, read from the table's change
   * feed (DynamoDB Streams), in order; values as `deref` shows them (`init` while absent).
   * Call what it returns to stop; its `ready` resolves once changes from then on will arrive.
   * @example
   * const stop = acct.watchRemote((old, next) => console.log(old?.balance, "→", next?.balance));
   * await stop.ready;
   * // … later
   * await stop();
   */
  watchRemote(fn: RemoteWatchFn<T>, options?: RemoteWatchOptions): RemoteWatch {
    const { core, definition, key } = this.#target;
    return watchRemote(core, definition, key, this.#init, fn, options);
  }

  /**
   * Deletes the item. Later mutations through this handle throw `AtomDestroyedError`; a second
   * `destroy()` does nothing (it must not delete an item someone has made again since).
   */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    await removeOnce(this.#target);
    this.#destroyed = true;
    this.#seen = ABSENT;
  }

  #current(seen: Seen): T {
    return (live(seen) ? seen.value : this.#init) as T;
  }

  #live(): void {
    if (!this.#destroyed) return;
    const { definition, keyText } = this.#target;
    throw new AtomDestroyedError(
      `Atom "${definition.name}" ${keyText} was destroyed through this handle; open a new one to write it again.`,
      {
        details: { atom: definition.name, key: keyText },
      },
    );
  }

  async #apply(decide: (current: unknown) => Decision): Promise<Applied> {
    const applied = await combined(this.#target, this.#seen, { decide, initial: this.#init });
    this.#learn(applied.seen);
    return applied;
  }

  /**
   * Keeps the newest state: calls on one handle may end out of order, and an older answer must
   * not set the version back. (After a delete and re-create a lower version is newer; the next
   * write then conflicts once and learns it from the failed write's ALL_OLD item.)
   */
  #learn(seen: Seen): void {
    if (this.#seen === undefined || seen.version >= this.#seen.version) this.#seen = seen;
  }

  async #change(decide: (current: unknown) => Decision): Promise<[T, Value<T>]> {
    const applied = await this.#apply(decide);
    const old = applied.old as T;
    const value = applied.value as Value<T>;
    this.#notify(old, value, applied.seen.version);
    return [old, value];
  }

  /** Runs every watch, even after one throws; then reports the first that threw. */
  #notify(old: T, value: Value<T>, version: number): void {
    let failed: { name: string; cause: unknown } | undefined;
    for (const [name, fn] of this.#watches) {
      try {
        fn(name, this, old, value);
      } catch (cause) {
        failed ??= { name, cause };
      }
    }
    if (failed === undefined) return;
    const { definition, keyText } = this.#target;
    throw new DynatomError(
      "atom.watch-failed",
      `Atom "${definition.name}" ${keyText}: the change was applied (version ${version}), but the watch "${failed.name}" threw; every other watch ran.`,
      {
        details: { atom: definition.name, key: keyText, watch: failed.name, version },
        cause: failed.cause,
      },
    );
  }
}
