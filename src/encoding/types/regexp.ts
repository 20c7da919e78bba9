import { expect } from "../expect.js";
import { misfit, type TypeCodec } from "./codec.js";

/** A RegExp is its `/pattern/flags` text in an `S`, tagged `regexp`. */
export const regexp: TypeCodec<RegExp> = {
  tag: "regexp",
  match: (value) => (value instanceof RegExp ? value : undefined),
  encode: (value) => ({ av: { S: String(value) }, note: regexp.tag }),
  decode(raw, type, _node, tag, _depth, walker) {
    if (type !== "S") return misfit(tag, type, walker);
    const text = expect(raw, "string", walker.trail);
    const slash = text.lastIndexOf("/");
    if (!text.startsWith("/") || slash < 1)
      walker.trail.fail(`"${text}" is not a /pattern/flags regular expression`);
    try {
      return new RegExp(text.slice(1, slash), text.slice(slash + 1));
    } catch (cause) {
      return walker.trail.fail(
        `"${text}" is not a valid regular expression (${(cause as Error).message})`,
      );
    }
  },
};
