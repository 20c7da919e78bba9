/**
 * The schema a swap's result is parsed with. A swap function gets the value as read (the
 * schema's OUTPUT) and returns the next one; where a pipe changes the type (a string in, a Date
 * out), an output handed back cannot be parsed again as the input. So at each such pipe the
 * rewritten schema takes, in this order:
 *
 * 1. a value the swap was given there (the same object, or an equal primitive): kept as it is,
 *    so that `swap((x) => ({ ...x, n: x.n + 1 }))` and `swap((x) => x)` work;
 * 2. the schema's input, parsed and transformed as on any write;
 * 3. a new output, when the pipe says what it makes (a schema after the transform, such as
 *    `v.date()`, or a known conversion such as `v.toDate()`): checked against that.
 *
 * A new output after a bare `v.transform` cannot be checked, so it is refused, with a message
 * that says how to allow it. Everything else is valibot's own parse.
 */
import * as v from "valibot";
import { type Check, passes, pipeOutput } from "./stored.js";
import type { AtomSchema } from "./types.js";

/** The outputs the current swap was given, while its synchronous parse runs. */
let given: ReadonlySet<unknown> | undefined;

interface Dataset {
  value: unknown;
  typed?: boolean;
  issues?: { kind?: unknown; path?: unknown; message: string }[];
}

interface Node {
  readonly type?: unknown;
  readonly pipe?: readonly Node[];
  readonly entries?: Readonly<Record<string, Node>>;
  readonly options?: readonly Node[];
  readonly items?: readonly Node[];
  readonly getter?: unknown;
  readonly "~run": (dataset: Dataset, config: unknown) => Dataset;
  readonly [prop: string]: unknown;
}

const HINT =
  "; where the schema transforms, a swap returns the input, or the value it was given unchanged " +
  "(a new output of v.transform cannot be checked: end the pipe with a schema such as v.date() " +
  "to allow one)";

/** Parses a swap's result, taking back unchanged the outputs in `outputs` (see above). */
export function parseRewritten(
  schema: AtomSchema,
  value: unknown,
  outputs: ReadonlySet<unknown>,
): v.SafeParseResult<AtomSchema> {
  const outer = given;
  given = outputs;
  try {
    return v.safeParse(schema, value);
  } finally {
    given = outer;
  }
}

/** The rewritten schema, or undefined when no pipe in it changes the type. */
export function rewrite(schema: AtomSchema): AtomSchema | undefined {
  return rebuilt(schema) as AtomSchema | undefined;
}

const cache = new WeakMap<object, Node | null>();

function rebuilt(schema: unknown): Node | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  let out = cache.get(schema);
  if (out === undefined) {
    out = build(schema as Node) ?? null;
    cache.set(schema, out);
  }
  return out ?? undefined;
}

/** A schema with some of its children replaced; valibot's schemas read them from `this`. */
function withChildren(node: Node, changes: Record<string, unknown>): Node | undefined {
  return Object.keys(changes).length === 0 ? undefined : { ...node, ...changes };
}

function children(list: readonly Node[] | undefined): Node[] | undefined {
  if (list === undefined) return undefined;
  const out = list.map((child) => rebuilt(child));
  return out.some((child) => child !== undefined)
    ? out.map((child, i) => child ?? (list[i] as Node))
    : undefined;
}

function build(node: Node): Node | undefined {
  if (Array.isArray(node.pipe)) {
    const [root, ...items] = node.pipe;
    const inner = rebuilt(root);
    // A pipe runs the list it was made with, not `this.pipe`: make a new one.
    const base =
      inner === undefined
        ? node
        : (v.pipe(inner as never, ...(items as never[])) as unknown as Node);
    const { changesType, output } = pipeOutput(node.pipe);
    if (changesType) return either(base, output);
    return inner === undefined ? undefined : base;
  }
  const changes: Record<string, unknown> = {};
  const one = (prop: string) => {
    const child = rebuilt(node[prop]);
    if (child !== undefined) changes[prop] = child;
  };
  switch (node.type) {
    case "object":
    case "loose_object":
    case "strict_object":
    case "object_with_rest": {
      const names = Object.keys(node.entries ?? {});
      const entries = children(names.map((name) => node.entries?.[name] as Node));
      if (entries !== undefined)
        changes.entries = Object.fromEntries(names.map((name, i) => [name, entries[i]]));
      if (node.type === "object_with_rest") one("rest");
      break;
    }
    case "tuple":
    case "loose_tuple":
    case "strict_tuple":
    case "tuple_with_rest": {
      const items = children(node.items);
      if (items !== undefined) changes.items = items;
      if (node.type === "tuple_with_rest") one("rest");
      break;
    }
    case "union":
    case "variant":
    case "intersect": {
      const options = children(node.options);
      if (options !== undefined) changes.options = options;
      break;
    }
    case "array":
      one("item");
      break;
    case "set":
      one("value");
      break;
    case "map":
    case "record":
      one("key");
      one("value");
      break;
    case "lazy": {
      const getter = node.getter as (input: unknown) => Node;
      changes.getter = (input: unknown) => {
        const schema = getter(input);
        return rebuilt(schema) ?? schema;
      };
      break;
    }
    case "optional":
    case "exact_optional":
    case "undefinedable":
    case "nullable":
    case "nullish":
    case "non_optional":
    case "non_nullable":
    case "non_nullish":
      one("wrapped");
      break;
    default:
      break;
  }
  return withChildren(node, changes);
}

/** A pipe that changes the type, taking a given output, the input, or a checked new output. */
function either(pipe: Node, output: Check | undefined): Node {
  const run = pipe["~run"];
  return {
    ...pipe,
    "~run"(dataset: Dataset, config: unknown): Dataset {
      const value = dataset.value;
      // A given output is checked as far as the pipe allows: a swap may have changed it in place.
      const kept = value !== undefined && value !== null && given?.has(value) === true;
      if (kept && (output === undefined || passes(output, value))) {
        dataset.typed = true;
        return dataset;
      }
      const parsed = run.call(pipe, { value }, config);
      if (parsed.issues === undefined) return parsed;
      if (output !== undefined && passes(output, value)) {
        dataset.typed = true;
        return dataset;
      }
      const first = parsed.issues[0];
      // A wrong type at the pipe's root: most likely an output the swap made itself.
      if (output === undefined && first !== undefined && first.kind === "schema" && !first.path) {
        first.message += HINT;
      }
      return parsed;
    },
  };
}
