import { misfit, type TypeCodec } from "./codec.js";

/** `null` is DynamoDB's `NULL`. */
export const nullCodec: TypeCodec<null> = {
  tag: undefined,
  encode: () => ({ av: { NULL: true }, note: undefined }),
  decode(raw, type, _node, tag, _depth, walker) {
    if (type !== "NULL") return misfit(tag, type, walker);
    if (raw !== true) walker.trail.fail("NULL must be true");
    return null;
  },
};
