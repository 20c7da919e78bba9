/**
 * What one stored type is: its tag in the note, how the encoder recognises its values, how it
 * stores them and how it reads them back. Each type is one module in this folder; the table in
 * `index.ts` names every one, so a new kind does not compile until it is complete. The walks
 * (`EncodeWalker`, `DecodeWalker`) recurse into what a type holds and walk the containers.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { DecodeWalker } from "../decode.js";
import type { EncodeWalker } from "../encode.js";
import type { NoteNode, Tag } from "../note.js";

export type { DecodeWalker, EncodeWalker };

/** One encoded value: its attribute value, and its note node when it needs one. */
export interface Encoded {
  readonly av: AttributeValue;
  readonly note: NoteNode | undefined;
}

/** The attribute value types DynamoDB has. */
export type AvType = "S" | "N" | "B" | "SS" | "NS" | "BS" | "M" | "L" | "NULL" | "BOOL";

export interface TypeCodec<V> {
  /** The tag the note gives this type's values, when they need one (the name before any `:`). */
  readonly tag: string | undefined;
  /**
   * For the types found among objects (tried in the order of `PRECEDENCE` in `index.ts`; primitives are found
   * by `typeof`): what `encode` takes when `value` is of this type, else undefined.
   */
  match?(value: object): V | undefined;
  encode(value: V, depth: number, walker: EncodeWalker): Encoded;
  /**
   * Reads a stored value back: `raw` is what its attribute value holds under `type`, and `tag`
   * is undefined when the value is untagged (a plain DynamoDB type).
   */
  decode(
    raw: unknown,
    type: AvType,
    node: NoteNode | undefined,
    tag: Tag | undefined,
    depth: number,
    walker: DecodeWalker,
  ): unknown;
}

/** A hole in a sparse array; only lists read it, anywhere else it is malformed. */
export const HOLE: unique symbol = Symbol("hole");

/** The failure for a tag that does not fit the stored attribute type. */
export function misfit(tag: Tag | undefined, type: AvType, walker: DecodeWalker): never {
  return walker.trail.fail(
    tag === undefined
      ? `a stored ${type} cannot be read without a type note`
      : `its type note says "${tag.text}", which does not fit a stored ${type}`,
  );
}
