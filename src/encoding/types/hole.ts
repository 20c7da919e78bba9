import { HOLE, misfit, type TypeCodec } from "./codec.js";

/**
 * A missing index of a sparse array is a `NULL` tagged `hole`. It is not a value: the list walk
 * writes it where an array has no element, and reads it back as no element.
 */
export const hole: TypeCodec<typeof HOLE> = {
  tag: "hole",
  encode: () => ({ av: { NULL: true }, note: hole.tag }),
  decode: (_raw, type, _node, tag, _depth, walker) =>
    type === "NULL" ? HOLE : misfit(tag, type, walker),
};
