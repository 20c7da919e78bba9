import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import * as v from "valibot";
import { encodeFields, FORMAT_VERSION, NOTE_ATTRIBUTE } from "../encoding/index.js";
import { bigintToN, numberToN } from "../encoding/limits.js";
import { validated } from "../schema/declare.js";
import { valueEntries } from "../schema/introspect.js";
import type { AtomDefinition } from "../schema/types.js";
import { bare, invalidUpdate, type Op, type Ops, type Subject } from "./ops.js";

/** The parts of one UpdateItem that change the value's fields (see `updateAtom`). */
export interface FieldChanges {
  /** `SET` clauses: `#u0 = :u0`, `#u1 = list_append(…)`. */
  readonly set: string[];
  /** `ADD` clauses: `#u2 :u2`. */
  readonly add: string[];
  readonly remove: string[];
  readonly delete: string[];
  /** Conditions the change needs of the item besides its state (a Set that stays non-empty). */
  readonly guards: string[];
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}

/** Why an update needs the stored value (it then runs as a swap), or its one UpdateItem. */
export type FastPlan = { readonly slow: string } | { readonly changes: FieldChanges };

/** What the fast path knows of the stored item besides its version and write ids. */
export interface Stored {
  /** The type note's text, or null when the item has none. */
  readonly note: string | null;
  /** The schema version the item was written with. */
  readonly schema: number;
}

/** The note of one encoded field, or undefined when its value needs none. */
function noteOf(item: Readonly<Record<string, AttributeValue>>, field: string): unknown {
  const text = item[NOTE_ATTRIBUTE]?.S;
  return text === undefined
    ? undefined
    : (JSON.parse(text) as { t: Record<string, unknown> }).t[field];
}

/**
 * Plans an update as ONE UpdateItem, for the operations DynamoDB can apply by itself without
 * the value drifting from what dynatom would have written: the fields keep their stored forms
 * and the type note stays right. Anything else (an index field, a schema rule on the whole
 * value or on a field an operation changes in place, an older schema version, a stored form
 * an operation cannot extend) needs the stored value, and is said so, for a swap to do.
 *
 * @example planFast(Account, subject, { note: null, schema: 1 }, new Map([["score", { kind: "add", value: 1 }]]))
 * // { changes: { add: ["#u0 :u0"], names: { "#u0": "score" }, values: { ":u0": { N: "1" } }, … } }
 */
export function planFast(
  definition: AtomDefinition,
  subject: Subject,
  stored: Stored,
  ops: Ops,
): FastPlan {
  if (stored.schema !== definition.version)
    return { slow: "the item is of an older schema version" };
  if ((definition.schema as { pipe?: unknown }).pipe !== undefined)
    return { slow: "the schema checks the whole value" };
  const entries = valueEntries(definition.schema) ?? {};
  const indexed = new Set(definition.indexes.flatMap((index) => [...index.pk, ...index.sk]));
  // The expiry field's `_ttl` is computed from its value, as index keys are.
  if (definition.ttl !== undefined) indexed.add(definition.ttl);
  let note: { v: number; t: Record<string, unknown> } = { v: FORMAT_VERSION, t: {} };
  if (stored.note !== null) {
    note = JSON.parse(stored.note) as typeof note;
    if (note.v !== FORMAT_VERSION) return { slow: "the item's type note is of another format" };
  }
  const types: Record<string, unknown> = { ...note.t };
  const changes: FieldChanges = {
    set: [],
    add: [],
    remove: [],
    delete: [],
    guards: [],
    names: {},
    values: {},
  };
  let n = 0;
  for (const [field, op] of ops) {
    if (indexed.has(field)) return { slow: `"${field}" is part of an index key` };
    const schema = entries[field];
    const name = `#u${n}`;
    const value = `:u${n}`;
    n++;
    changes.names[name] = field;
    const fail = (reason: string) => invalidUpdate(subject, field, reason);
    const check = (fieldSchema: unknown, given: unknown): unknown =>
      validated(
        subject.atom,
        v.safeParse(v.object({ [field]: fieldSchema as never }), { [field]: given }),
      )[field];
    const slow = planOne(op, schema, field, { fail, check }, types);
    if (typeof slow === "string") return { slow };
    const { clause, av } = slow;
    if (av !== undefined) changes.values[value] = av;
    if (op.kind === "append") changes.values[":empty"] = { L: [] };
    const text = clause.replaceAll("$n", name).replaceAll("$v", value);
    const kind = slow.as ?? op.kind;
    if (kind === "set" || kind === "append") changes.set.push(text);
    else if (kind === "remove") changes.remove.push(text);
    else if (op.kind === "add" || op.kind === "addToSet") changes.add.push(text);
    else {
      changes.delete.push(text);
      // DynamoDB drops a Set it empties; an empty Set is stored in another form, by a swap.
      changes.guards.push(`size(${name}) > :k${n}`);
      const members = (op as { readonly value: ReadonlySet<unknown> }).value;
      changes.values[`:k${n}`] = { N: String(members.size) };
    }
  }
  // In the fields' order, as an item written whole has it.
  const ordered: Record<string, unknown> = {};
  for (const field of [...Object.keys(entries), ...Object.keys(types)])
    if (Object.hasOwn(types, field) && !Object.hasOwn(ordered, field))
      ordered[field] = types[field];
  if (JSON.stringify(ordered) !== JSON.stringify(note.t)) {
    changes.names["#ty"] = NOTE_ATTRIBUTE;
    if (Object.keys(ordered).length === 0) changes.remove.push("#ty");
    else {
      changes.set.push("#ty = :ty");
      changes.values[":ty"] = { S: JSON.stringify({ v: FORMAT_VERSION, t: ordered }) };
    }
  }
  return { changes };
}

/**
 * The note every element of an encoded list has, as JSON: null when none needs one, undefined
 * when they differ.
 */
function elementNote(tag: unknown, length: number): string | null | undefined {
  if (tag === undefined) return null;
  const tree = tag as { e?: unknown; c?: Record<string, unknown>; t?: unknown };
  if (tree.t !== undefined) return undefined;
  if (tree.e !== undefined && tree.c === undefined) return JSON.stringify(tree.e);
  const nodes = Array.from({ length }, (_, i) => JSON.stringify(tree.c?.[String(i)]));
  const [first] = nodes;
  return first !== undefined && nodes.every((node) => node === first) ? first : undefined;
}

/** The note a stored list gives every element alike (`{ e: node }`), as JSON, if it does. */
function sharedElementNote(had: unknown): string | undefined {
  const tree = had as { e?: unknown } | undefined;
  if (tree === undefined || typeof tree !== "object" || tree.e === undefined) return undefined;
  return Object.keys(tree).length === 1 ? JSON.stringify(tree.e) : undefined;
}

/** One operation's clause (`$n` the field's name, `$v` its value), or why it needs the value. */
function planOne(
  op: Op,
  schema: unknown,
  field: string,
  how: {
    readonly fail: (reason: string) => Error;
    /** valibot's output for the field's value, or ValidationError naming the field. */
    readonly check: (schema: unknown, value: unknown) => unknown;
  },
  types: Record<string, unknown>,
): { clause: string; av?: AttributeValue; as?: "remove" } | string {
  const { fail, check } = how;
  const node = bare(schema);
  const had = types[field];
  // An absent field reads as its default, from which DynamoDB's ADD and list_append do not start.
  if (op.kind !== "set" && (schema as { default?: unknown } | undefined)?.default !== undefined)
    return `"${field}" has a default, which an absent field reads as`;
  switch (op.kind) {
    case "set": {
      const item = encodeFields({ [field]: check(schema, op.value) });
      const av = item[field];
      if (av === undefined) {
        delete types[field];
        return { clause: "$n", as: "remove" };
      }
      const tag = noteOf(item, field);
      if (tag === undefined) delete types[field];
      else types[field] = tag;
      return { clause: "$n = $v", av };
    }
    case "remove":
      delete types[field];
      return { clause: "$n" };
    case "add": {
      if (node.pipe !== undefined) return `"${field}" has rules a sum must be checked against`;
      if (typeof op.value === "number") {
        const text = numberToN(op.value);
        if (had !== undefined || text === undefined)
          return `"${field}" is not stored as a plain number`;
        return { clause: "$n $v", av: { N: text } };
      }
      const text = bigintToN(op.value);
      if (text === undefined) return "the bigint added has more than 38 digits";
      types[field] = "bigint";
      return { clause: "$n $v", av: { N: text } };
    }
    case "append": {
      if (node.pipe !== undefined)
        return `"${field}" has rules the longer list must be checked against`;
      const elements = check(v.array(node.item as never), op.value);
      const item = encodeFields({ [field]: elements });
      // Elements needing no note on a list with none, or the note every element of the list
      // already shares (`{ e: node }`), keep the note right whatever the list's length.
      const each = elementNote(noteOf(item, field), (elements as unknown[]).length);
      const shared = sharedElementNote(had);
      if (!(each === null && had === undefined) && (each === null || each !== shared))
        return `the elements appended to "${field}" need a type note of their own`;
      return {
        clause: "$n = list_append(if_not_exists($n, :empty), $v)",
        av: item[field] as AttributeValue,
      };
    }
    default: {
      if (node.pipe !== undefined)
        return `"${field}" has rules the changed Set must be checked against`;
      if (had !== undefined) return `"${field}" is not stored as a DynamoDB set`;
      const members = check(v.set(node.value as never), op.value) as Set<unknown>;
      if (members.size === 0) throw fail(`${op.kind} takes at least one member`);
      const av = encodeFields({ [field]: members })[field];
      if (av?.SS === undefined && av?.NS === undefined)
        return `the members of "${field}" are not all strings or all numbers DynamoDB sets hold`;
      return { clause: "$n $v", av };
    }
  }
}
