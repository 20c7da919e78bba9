import { ItemTooLargeError } from "../../errors/index.js";
import { MAX_ITEM_BYTES } from "../limits.js";
import { misfit, type TypeCodec } from "./codec.js";

/** An array is an `L`, element by element; a missing index is a hole (see `hole.ts`). */
export const array: TypeCodec<readonly unknown[]> = {
  tag: undefined,
  match: (value) => (Array.isArray(value) ? value : undefined),
  encode(value, depth, walker) {
    // Every element takes at least a byte of the item, holes too: a longer array can never be
    // stored, and a sparse one (`a[1e9] = x`) must not be walked element by element.
    if (value.length > MAX_ITEM_BYTES) {
      throw new ItemTooLargeError(
        `The array at ${walker.trail.where()} has ${value.length} elements (holes count), each at least a byte: over DynamoDB's limit of ${MAX_ITEM_BYTES} bytes. Store it elsewhere (for example as a blob) or split it.`,
        { details: { size: value.length, limit: MAX_ITEM_BYTES, largest: [] } },
      );
    }
    return walker.list(value, value, depth, undefined);
  },
  decode: (raw, type, node, tag, depth, walker) =>
    type === "L" && tag === undefined
      ? walker.list(raw, node, depth, true)
      : misfit(tag, type, walker),
};
