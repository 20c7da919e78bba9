import {
  type Custom,
  customByName,
  customFor,
  type JsonValue,
  serializeCustom,
} from "../registry.js";
import type { TypeCodec } from "./codec.js";

/**
 * A value a transformer registered with `registerCustom` applies to is stored as the JSON value
 * its `serialize` makes, tagged `custom:<name>`; the note keeps that JSON value's own note too.
 */
export const custom: TypeCodec<{ readonly value: object; readonly transformer: Custom }> = {
  tag: "custom",
  match(value) {
    const transformer = customFor(value);
    return transformer === undefined ? undefined : { value, transformer };
  },
  encode({ value, transformer }, depth, walker) {
    const what = `a value of the custom type "${transformer.name}"`;
    const serialized = serializeCustom(transformer, value, (why, cause) =>
      walker.trail.fail(what, why, cause),
    );
    const inner = walker.value(serialized, depth);
    const tag = `${custom.tag}:${transformer.name}`;
    return { av: inner.av, note: inner.note === undefined ? tag : { t: tag, i: inner.note } };
  },
  decode(raw, type, node, tag, depth, walker) {
    const name = tag?.arg ?? "";
    const transformer = customByName(name);
    if (transformer === undefined) {
      return walker.trail.unregistered(
        `of the custom type "${name}"`,
        name,
        `call registerCustom(…, "${name}")`,
      );
    }
    const inner = typeof node === "object" ? node.i : undefined;
    const json =
      inner === undefined
        ? walker.plain(raw, type, depth)
        : walker.value({ [type]: raw }, inner, depth);
    try {
      return transformer.deserialize(json as JsonValue);
    } catch (cause) {
      return walker.trail.fail(
        `the custom type "${name}" could not rebuild it (${(cause as Error).message})`,
      );
    }
  },
};
