import { repeated } from "../expect.js";
import { isAttributeName } from "../names.js";
import { type NoteNode, type NoteTree, setOwn } from "../note.js";
import { type DecodeWalker, misfit, type TypeCodec } from "./codec.js";

/**
 * A Map whose keys are all strings that can be names is an `M` tagged `map` (with its key order
 * in the note when it is not the sorted one: DynamoDB keeps no order in a map); any other Map is
 * a list of `[key, value]` pairs tagged `map`.
 */
export const map: TypeCodec<ReadonlyMap<unknown, unknown>> = {
  tag: "map",
  match: (value) => (value instanceof Map ? value : undefined),
  encode(value, depth, walker) {
    const tag = map.tag as string;
    const keys: string[] = [];
    for (const key of value.keys()) {
      if (typeof key !== "string" || !isAttributeName(key)) {
        return walker.pairs(value, value.entries(), depth, tag);
      }
      keys.push(key);
    }
    const fields: Record<string, unknown> = {};
    for (const [key, entryValue] of value) setOwn(fields, key as string, entryValue);
    // The Map itself is what its entries may hold again, not the copy of them.
    const encoded = walker.fields(value, fields, keys, depth, tag);
    if (isSorted(keys)) return encoded;
    const tree: NoteTree = typeof encoded.note === "object" ? encoded.note : { t: tag };
    tree.k = keys;
    return { av: encoded.av, note: tree };
  },
  decode(raw, type, node, tag, depth, walker) {
    if (type === "M") return stringMap(raw, node, depth, walker);
    if (type !== "L") return misfit(tag, type, walker);
    const pairs = walker.pairs(raw, node, depth);
    const result = new Map(pairs);
    // A repeat would silently drop an entry: our encoder never writes one, so the item is damaged.
    if (result.size !== pairs.length)
      walker.trail.fail(`the Map holds the key ${repeated(pairs.map(([key]) => key))} twice`);
    return result;
  },
};

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++)
    if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}

function stringMap(
  raw: unknown,
  node: NoteNode | undefined,
  depth: number,
  walker: DecodeWalker,
): Map<string, unknown> {
  const fields = walker.fields(raw, node, depth, {} as Record<string, unknown>);
  const stored = Object.keys(fields);
  const order = typeof node === "object" && node.k !== undefined ? node.k : stored.sort();
  const { trail } = walker;
  if (new Set(order).size !== order.length) {
    trail.fail(`the Map's key order in the type note names ${repeated(order)} twice`);
  }
  if (order.length !== stored.length || !order.every((key) => Object.hasOwn(fields, key))) {
    trail.fail("the Map's key order in the type note does not match its keys");
  }
  return new Map(order.map((key) => [key, fields[key]]));
}
