import {
  type AttributeValue,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  createLease,
  holdLease,
  type Lease,
  leaseOf,
  type Presence,
  presenceKey,
  presenceOf,
  queryLeases,
  renewPresence,
  takeLease,
} from "../requests/leases.js";
import type { StoreCore } from "../store/core.js";

/** The group's leases on one stream, and the writes to them: what `store.changes` keeps in the table. */
export class Leases {
  readonly #core: StoreCore;
  readonly #group: string;
  readonly #label: string;
  /** This reader: unique to one feed, so that a lease taken by a restart is another holder. */
  readonly reader: string;
  #takes = 0;

  constructor(core: StoreCore, group: string, label: string, reader: string) {
    this.#core = core;
    this.#group = group;
    this.#label = label;
    this.reader = reader;
  }

  /**
   * A holder for one take: `<reader>.<n>`. A write of an earlier take of the same shard by this
   * reader (a renewal answered late) is then refused like another reader's: the fence holds
   * against ourselves too.
   */
  token(): string {
    return `${this.reader}.${++this.#takes}`;
  }

  /** Whether `holder` is one of this reader's takes. */
  mine(holder: string | undefined): boolean {
    return holder?.startsWith(`${this.reader}.`) === true;
  }

  /** The group's leases on this stream, and its readers' presences. */
  async read(): Promise<{ leases: Lease[]; readers: Presence[] }> {
    const { executor, table, retry } = this.#core;
    const leases: Lease[] = [];
    const readers: Presence[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const from = start;
      const page = await executor.read(
        () => new QueryCommand(queryLeases(table, this.#group, this.#label, from)),
        retry,
      );
      for (const item of page.Items ?? []) {
        const lease = leaseOf(item);
        if (lease !== undefined) leases.push(lease);
        const presence = presenceOf(item);
        if (presence !== undefined) readers.push(presence);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return { leases, readers };
  }

  /** Says this reader is alive, so that others count it in the fair share. */
  async renewPresence(): Promise<void> {
    const { executor, table, retry } = this.#core;
    await executor.repeat(
      () => new UpdateItemCommand(renewPresence(table, this.#group, this.#label, this.reader)),
      retry,
    );
  }

  /** Removes this reader's presence: it ended. */
  async leave(): Promise<void> {
    const { executor, table, retry } = this.#core;
    await executor.repeat(
      () =>
        new DeleteItemCommand({
          TableName: table,
          Key: presenceKey(this.#group, this.#label, this.reader),
        }),
      retry,
    );
  }

  /** A shard's first lease; false when one is there already. */
  create(shard: string, checkpoint: string): Promise<boolean> {
    const { table } = this.#core;
    return this.#write(
      () => new PutItemCommand(createLease(table, this.#group, this.#label, shard, checkpoint)),
    );
  }

  /** Takes a lease whose counter is still `lease.counter`; false when it moved (or a lost answer hid our own take). */
  take(lease: Lease, token: string): Promise<boolean> {
    const { table } = this.#core;
    return this.#write(
      () => new UpdateItemCommand(takeLease(table, this.#group, this.#label, lease, token)),
    );
  }

  /** Renews a held lease with a checkpoint, or releases it; false when another reader holds it now. */
  hold(
    shard: string,
    token: string,
    checkpoint: string | undefined,
    release = false,
  ): Promise<boolean> {
    const { table } = this.#core;
    return this.#write(
      () =>
        new UpdateItemCommand(
          holdLease(table, this.#group, this.#label, shard, token, checkpoint, release),
        ),
    );
  }

  /**
   * A conditional write, sent again while its outcome is unknown: each of them is harmless to
   * repeat (a renewal or a checkpoint), or its refusal is checked on the next read of the leases.
   */
  async #write(make: () => PutItemCommand | UpdateItemCommand): Promise<boolean> {
    const { executor, retry } = this.#core;
    const result = await executor.repeat(make, retry, ({ failure }) => failure === "conflict");
    return result.ok;
  }
}
