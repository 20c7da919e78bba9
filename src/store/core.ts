import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { DefinitionError, DynatomError } from "../errors/index.js";
import { type ClientHandle, type ClientOptions, clientHandle } from "../executor/client.js";
import { Executor } from "../executor/executor.js";
import { type RetryOptions, type RetryPolicy, retryPolicy } from "../executor/policy.js";
import { KV_ATOMS, RESERVED_PREFIX } from "../kv/definitions.js";
import type { AtomDefinition } from "../schema/types.js";
import { type EnsureTableOptions, ensureTable } from "./table.js";

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export interface StoreCoreOptions extends ClientOptions {
  /** The table that holds every atom type. */
  readonly table: string;
  /** The atom types this store reads and writes. */
  readonly atoms: readonly AtomDefinition[];
  readonly retry?: RetryOptions;
}

/**
 * What every part of a store shares: the table, the registered atom types, the client, and
 * the executor every request goes through.
 */
export class StoreCore {
  readonly table: string;
  readonly atoms: ReadonlyMap<string, AtomDefinition>;
  /** Sends every request of this store. */
  readonly executor: Executor;
  /** Sends the change feed's requests to DynamoDB Streams. */
  readonly streams: Executor<DynamoDBStreamsClient>;
  /** The store's retry policy, for requests no atom or option names one for (queries). */
  readonly retry: RetryPolicy;
  readonly #handle: ClientHandle;
  #closed = false;

  constructor(options: StoreCoreOptions) {
    if (typeof options.table !== "string" || !TABLE_NAME.test(options.table)) {
      throw new DefinitionError(
        "definition.invalid",
        `The table name ${JSON.stringify(options.table)} is not valid: use 3 to 255 letters, digits, _, - or .`,
        { details: { atom: "(store)", reason: "invalid table name" } },
      );
    }
    this.table = options.table;
    // The key-value facade's own types are always there (`store.kv`).
    const atoms = new Map<string, AtomDefinition>(KV_ATOMS.map((atom) => [atom.name, atom]));
    for (const atom of options.atoms) {
      if (atom.name.startsWith(RESERVED_PREFIX)) throw reservedName(atom.name);
      const other = atoms.get(atom.name);
      if (other !== undefined && other !== atom) {
        throw new DefinitionError(
          "definition.conflict",
          `Two atom types are named "${atom.name}" in one store; names are part of every key, so each must be unique.`,
          { details: { atom: atom.name, reason: "duplicate atom name" } },
        );
      }
      atoms.set(atom.name, atom);
    }
    this.atoms = atoms;
    // A bad policy fails here, not at the first conflict.
    this.retry = retryPolicy(options.retry);
    this.#handle = clientHandle(options);
    this.executor = new Executor(
      this.table,
      () => this.client(),
      this.#handle.timeoutMs,
      this.#handle.cutsItself,
    );
    this.streams = new Executor(
      this.table,
      () => this.client().then(() => this.#handle.streams()),
      this.#handle.timeoutMs,
      this.#handle.streamsCutItself,
    );
  }

  /** The client, made on first use (starting the embedded DynamoDB Local if asked). */
  client(): Promise<DynamoDBClient> {
    if (this.#closed) {
      return Promise.reject(
        new DynatomError("store.closed", `The store for table "${this.table}" is closed.`, {
          details: { table: this.table },
        }),
      );
    }
    return this.#handle.get();
  }

  /** Fails unless this very definition was registered with the store. */
  registered<D extends AtomDefinition>(definition: D): D {
    if (this.atoms.get(definition.name) !== definition) {
      throw new DynatomError(
        "store.unknown-atom",
        `The atom type "${definition.name}" is not registered with this store: add it to createStore({ atoms: [...] }).`,
        { details: { atom: definition.name } },
      );
    }
    return definition;
  }

  async ensureTable(options: EnsureTableOptions = {}): Promise<void> {
    const stream = options.stream ?? true;
    if (typeof stream !== "boolean") {
      throw new DynatomError(
        "store.invalid-option",
        `ensureTable's option stream cannot be ${JSON.stringify(stream)}: pass true (the default) or false.`,
        { details: { option: "stream", value: String(stream) } },
      );
    }
    const atoms = [...this.atoms.values()];
    await ensureTable(
      this.executor,
      atoms.flatMap((atom) => atom.indexes),
      this.retry,
      {
        // The key-value facade's values expire (`ttlSeconds`), so TTL is always wanted; it is
        // required where an atom type of the user's declares `ttl`.
        ttl: atoms.some((atom) => atom.ttl !== undefined && !atom.name.startsWith(RESERVED_PREFIX))
          ? "required"
          : "wanted",
        stream,
      },
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }
}

/** Names starting with `dynatom-` belong to the key-value facade's own types. */
export function reservedName(atom: string): DefinitionError<"definition.invalid"> {
  return new DefinitionError(
    "definition.invalid",
    `The atom name "${atom}" is reserved: names starting with "${RESERVED_PREFIX}" belong to dynatom's key-value facade. Choose another name.`,
    { details: { atom, reason: "reserved name" } },
  );
}
