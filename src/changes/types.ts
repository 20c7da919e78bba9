import type { AtomDefinition, AtomKey, InferAtom } from "../schema/types.js";

/** What happened to the item: the stream's INSERT, MODIFY or REMOVE. */
export type ChangeType = "insert" | "modify" | "remove";

/** What every change of one atom type carries, whatever its type. */
interface ChangeBase<D extends AtomDefinition> {
  /** The atom type's name: the discriminant of a feed over several types. */
  readonly atom: D["name"];
  readonly key: AtomKey<D>;
  /** The stream record's sequence number: unique within the table's stream, for de-duplication. */
  readonly sequence: string;
  /** When DynamoDB made the change (the stream's approximate time). */
  readonly at: Date;
}

/**
 * One change of an atom of type `D`, with its values before and after, decoded and migrated.
 * `type` narrows them: an insert has no `old`, a remove no `new`.
 */
export type Change<D extends AtomDefinition = AtomDefinition> =
  | (ChangeBase<D> & {
      readonly type: "insert";
      readonly old: undefined;
      readonly new: InferAtom<D>;
    })
  | (ChangeBase<D> & {
      readonly type: "modify";
      readonly old: InferAtom<D>;
      readonly new: InferAtom<D>;
    })
  | (ChangeBase<D> & {
      readonly type: "remove";
      readonly old: InferAtom<D>;
      readonly new: undefined;
    });

/** A change of any of `Atoms`: a union that `change.atom` narrows. */
export type ChangeOf<Atoms extends readonly AtomDefinition[]> = {
  [I in keyof Atoms]: Change<Atoms[I]>;
}[number];

/** An attribute value as a stream delivers it: the SDK's form, or a Lambda event's (binary as base64). */
export type StreamAttributeValue = object;

/** A DynamoDB Streams record, as the Streams API returns it or as a Lambda trigger receives it. */
export interface StreamRecord {
  readonly eventName?: string | undefined;
  readonly dynamodb?:
    | {
        readonly Keys?: Readonly<Record<string, StreamAttributeValue>> | undefined;
        readonly NewImage?: Readonly<Record<string, StreamAttributeValue>> | undefined;
        readonly OldImage?: Readonly<Record<string, StreamAttributeValue>> | undefined;
        readonly SequenceNumber?: string | undefined;
        /** A Date from the Streams API, epoch seconds in a Lambda event. */
        readonly ApproximateCreationDateTime?: Date | number | undefined;
      }
    | undefined;
}

/**
 * Part of the stream that was trimmed (older than 24 hours) before this group read it: the
 * changes there are lost to the feed, which goes on from the oldest record still kept.
 */
export interface Gap {
  /** The stream's shard. */
  readonly shard: string;
  /** The last sequence number read or acknowledged before the gap; undefined from the start. */
  readonly after: string | undefined;
  /** Why it was found: the shard's records were trimmed, or the whole shard is gone. */
  readonly reason: "trimmed" | "shard-gone";
}

/** Options of `store.changes`. */
export interface ChangesOptions<Atoms extends readonly AtomDefinition[]> {
  /** The atom types to follow; items of other types are skipped. */
  readonly atoms: Atoms;
  /**
   * Where to start when the group has no checkpoint yet (always, without a group): the oldest
   * record kept (`"trim-horizon"`, 24 hours) or only changes made from now on (`"latest"`).
   * Default `"latest"`.
   */
  readonly from?: "trim-horizon" | "latest";
  /**
   * A name shared by the processes that split the work: checkpoints and leases are kept in the
   * table under it. Without it nothing is stored and every start uses `from`.
   */
  readonly group?: string;
  /** Ends the feed at once; the change in hand is not acknowledged (it comes again to the group). */
  readonly signal?: AbortSignal;
  /** How long an acknowledged position may wait to be written, in ms (renewals write it sooner). Default 1,000. */
  readonly checkpointEveryMs?: number;
  /** How long a silent reader keeps its shards before another of the group takes them, in ms. Default 10,000. */
  readonly leaseMs?: number;
  /**
   * Called with a record whose image cannot be decoded: `"skip"` goes on without it (it counts
   * as acknowledged); anything else makes the loop throw the `DecodeError` at that change.
   */
  readonly onDecodeError?: (error: Error, record: StreamRecord) => "skip" | "throw" | undefined;
  /** Called when part of the stream was trimmed before it was read. Default: a process warning. */
  readonly onGap?: (gap: Gap) => void;
}
