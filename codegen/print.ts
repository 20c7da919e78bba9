/**
 * A small layout engine for the generated module: it breaks lines where Biome (and Prettier)
 * would, so the output is already formatted and the same bytes every run.
 */

const WIDTH = 100;

/** A piece of code: plain text, a call, an object literal or an array literal. */
export type Doc =
  | string
  | { readonly call: string; readonly args: readonly Doc[] }
  | { readonly object: readonly (readonly [string, Doc])[]; readonly expand: boolean }
  | { readonly array: readonly Doc[] };

/** A call `callee(args…)`. */
export const call = (callee: string, ...args: Doc[]): Doc => ({ call: callee, args });

/** An object literal; `expand` keeps one property per line even when it would fit on one. */
export const object = (entries: readonly (readonly [string, Doc])[], expand = false): Doc => ({
  object: entries,
  expand,
});

/** An array literal. */
export const array = (items: readonly Doc[]): Doc => ({ array: items });

/** The one-line form, or undefined when the doc must break. */
function flat(doc: Doc): string | undefined {
  if (typeof doc === "string") return doc;
  if ("call" in doc) {
    const args = doc.args.map(flat);
    return args.every((a) => a !== undefined) ? `${doc.call}(${args.join(", ")})` : undefined;
  }
  if ("array" in doc) {
    const items = doc.array.map(flat);
    return items.every((a) => a !== undefined) ? `[${items.join(", ")}]` : undefined;
  }
  if (doc.expand || doc.object.length === 0) return doc.object.length === 0 ? "{}" : undefined;
  const entries = doc.object.map(([key, value]) => {
    const text = flat(value);
    return text === undefined ? undefined : `${key}: ${text}`;
  });
  return entries.every((e) => e !== undefined) ? `{ ${entries.join(", ")} }` : undefined;
}

const pad = (n: number): string => " ".repeat(n);

const huggable = (doc: Doc | undefined): boolean =>
  doc !== undefined && typeof doc !== "string" && ("object" in doc || "array" in doc);

/**
 * Lays a doc out starting `lead` columns into a line indented by `indent`, with `trail`
 * characters after it on its last line.
 */
export function render(doc: Doc, indent: number, lead: number, trail: number): string {
  const one = flat(doc);
  if (one !== undefined && lead + one.length + trail <= WIDTH) return one;
  if (typeof doc === "string") return doc;
  const inner = indent + 2;
  if ("object" in doc) {
    const lines = doc.object.map(
      ([key, value]) =>
        `${pad(inner)}${key}: ${render(value, inner, inner + key.length + 2, 1)},\n`,
    );
    return `{\n${lines.join("")}${pad(indent)}}`;
  }
  if ("array" in doc) {
    const lines = doc.array.map((item) => `${pad(inner)}${render(item, inner, inner, 1)},\n`);
    return `[\n${lines.join("")}${pad(indent)}]`;
  }
  const last = doc.args[doc.args.length - 1];
  const rest = doc.args.slice(0, -1).map(flat);
  if (huggable(last) && last !== undefined && rest.every((a) => a !== undefined)) {
    const head = `${doc.call}(${rest.map((a) => `${a}, `).join("")}`;
    if (lead + head.length + 1 <= WIDTH)
      return `${head}${render(last, indent, lead + head.length, trail + 1)})`;
  }
  const lines = doc.args.map((arg) => `${pad(inner)}${render(arg, inner, inner, 1)},\n`);
  return `${doc.call}(\n${lines.join("")}${pad(indent)})`;
}

/** A string literal in Biome's quote style: double quotes unless that needs more escapes. */
export function quote(text: string): string {
  const json = JSON.stringify(text);
  const doubles = (text.match(/"/g) ?? []).length;
  const singles = (text.match(/'/g) ?? []).length;
  if (doubles <= singles) return json;
  return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** A property key: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name);
}
