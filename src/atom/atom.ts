import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { ATOM_VERSION_ATTRIBUTE } from "../schema/bookkeeping.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";

/** Options of one atom handle. */
export interface AtomOptions<T> {
  /** The value while the item is absent; never written by itself. */
  readonly init?: T;
}

/**
 * A durable atom: one item of one atom type, shared by every process that opens it.
 *
 * @example
 * const acct = store.atom(Account, { tenant: "t1", id: "a1" });
 * const value = await acct.deref();   // Account | undefined
 */
export class Atom<T> {
  readonly #core: StoreCore;
  readonly #definition: AtomDefinition;
  readonly #key: ReturnType<AtomDefinition["keyOf"]>;
  readonly #init: T | undefined;
  #version: number | undefined;

  constructor(
    core: StoreCore,
    definition: AtomDefinition,
    key: Readonly<Record<string, unknown>>,
    options: AtomOptions<T> = {},
  ) {
    this.#core = core;
    this.#definition = definition;
    this.#key = definition.keyOf(key as never);
    this.#init = options.init;
  }

  /** The last version of the item this handle has seen (0: absent), or undefined before any. */
  get version(): number | undefined {
    return this.#version;
  }

  /** The current value, read strongly consistently; `init` (or undefined) while absent. */
  async deref(): Promise<T> {
    const { Item } = await this.#core.run("GetItem", (client) =>
      client.send(
        new GetItemCommand({ TableName: this.#core.table, Key: this.#key, ConsistentRead: true }),
      ),
    );
    if (Item === undefined) {
      this.#version = 0;
      return this.#init as T;
    }
    this.#version = Number(Item[ATOM_VERSION_ATTRIBUTE]?.N ?? 0);
    return this.#definition.decode(Item) as T;
  }
}
