import * as v from "valibot";
import { DynatomError } from "../errors/index.js";
import { validated } from "../schema/declare.js";
import { valueEntries } from "../schema/introspect.js";
import type { AtomDefinition } from "../schema/types.js";

/** What an update does to each field it names; a field is named by one operation at most. */
export type Op =
  | { readonly kind: "set"; readonly value: unknown }
  | { readonly kind: "remove" }
  | { readonly kind: "add"; readonly value: number | bigint }
  | { readonly kind: "append"; readonly value: readonly unknown[] }
  | { readonly kind: "addToSet" | "deleteFromSet"; readonly value: ReadonlySet<unknown> };

export type Ops = ReadonlyMap<string, Op>;

/** Who an update error names: the atom type and the key. */
export interface Subject {
  readonly atom: string;
  readonly key: string;
}

export function invalidUpdate(subject: Subject, field: string, reason: string): DynatomError {
  return new DynatomError(
    "update.invalid",
    `Atom "${subject.atom}" ${subject.key}: the update cannot ${field === "" ? "run" : `change "${field}"`}: ${reason}. Nothing was written.`,
    { details: { atom: subject.atom, key: subject.key, field, reason } },
  );
}

/**
 * Adds the operations `fields` names to `ops`, checked: each a field of the value, not a key
 * field, named once, with a value of the kind the operation takes.
 */
export function addOps(
  definition: AtomDefinition,
  subject: Subject,
  ops: Ops,
  kind: Op["kind"],
  fields: unknown,
): Ops {
  const fail = (field: string, reason: string) => invalidUpdate(subject, field, reason);
  const entries = valueEntries(definition.schema);
  if (entries === undefined)
    throw fail("", "update needs a schema whose fields can be named (an object); use swap");
  const named: [string, unknown][] =
    kind === "remove"
      ? Array.isArray(fields)
        ? fields.map((field) => [String(field), undefined])
        : []
      : typeof fields === "object" && fields !== null && !Array.isArray(fields)
        ? Object.entries(fields)
        : [];
  if (named.length === 0) {
    const shape = kind === "remove" ? "a non-empty list of field names" : "an object of fields";
    throw fail("", `${kind} takes ${shape}`);
  }
  const keys = new Set([...definition.key.pk, ...definition.key.sk]);
  const next = new Map(ops);
  for (const [field, value] of named) {
    if (!Object.hasOwn(entries, field))
      throw fail(field, `it is not a field of the value (${Object.keys(entries).join(", ")})`);
    if (keys.has(field))
      throw fail(field, "it is part of the key, and an atom's key never changes");
    if (next.has(field))
      throw fail(field, "it is already changed by this update; change each field once");
    const op = opOf(kind, value, (reason) => fail(field, reason));
    const misfit = misfitOf(op, entries[field]);
    if (misfit !== undefined) throw fail(field, misfit);
    checkValues(subject.atom, field, op, entries[field]);
    next.set(field, op);
  }
  return next;
}

function opOf(kind: Op["kind"], value: unknown, fail: (reason: string) => DynatomError): Op {
  switch (kind) {
    case "set":
      return { kind, value };
    case "remove":
      return { kind };
    case "add":
      if (typeof value === "bigint" || (typeof value === "number" && Number.isFinite(value)))
        return { kind, value };
      throw fail(`add takes a finite number or a bigint, not ${formatKind(value)}`);
    case "append":
      if (Array.isArray(value)) return { kind, value };
      throw fail(`append takes a list of the elements to add, not ${formatKind(value)}`);
    default:
      if (value instanceof Set && value.size > 0) return { kind, value };
      if (value instanceof Set) throw fail(`${kind} takes at least one member`);
      throw fail(`${kind} takes a Set of the members, not ${formatKind(value)}`);
  }
}

const WRAPPERS = new Set(["optional", "exact_optional", "nullish", "undefinedable", "nullable"]);

/** A field's schema under its optional wrappers: what its values are. */
export function bare(schema: unknown): {
  readonly type?: unknown;
  readonly pipe?: unknown;
  readonly item?: unknown;
  readonly value?: unknown;
} {
  let node = schema as { type?: unknown; wrapped?: unknown } | undefined;
  while (node !== undefined && WRAPPERS.has(String(node.type))) node = node.wrapped as typeof node;
  return node ?? {};
}

/** Whether the schema lets the field be absent. */
export function optionalField(schema: unknown): boolean {
  return WRAPPERS.has(String((schema as { type?: unknown } | undefined)?.type));
}

/** Why an operation does not fit its field's schema, or undefined when it does. */
function misfitOf(op: Op, schema: unknown): string | undefined {
  const type = bare(schema).type;
  switch (op.kind) {
    case "set":
      return undefined;
    case "remove":
      return optionalField(schema) ? undefined : "it is required by the schema; set it instead";
    case "add":
      if (type === "number" && typeof op.value === "number") return undefined;
      if (type === "bigint" && typeof op.value === "bigint") return undefined;
      return type === "number" || type === "bigint"
        ? `it holds a ${String(type)}; add a ${String(type)}`
        : "add changes a number or a bigint field";
    case "append":
      return type === "array" ? undefined : "append changes a list field";
    default:
      return type === "set" ? undefined : `${op.kind} changes a Set field`;
  }
}

/**
 * Checks the values an operation brings against the field's schema, before anything is sent:
 * a set value, appended elements, Set members. (What an operation makes of the stored value is
 * checked where it is known; see `planFast`.)
 */
function checkValues(atom: string, field: string, op: Op, schema: unknown): void {
  const node = bare(schema);
  const fieldSchema =
    op.kind === "set"
      ? schema
      : op.kind === "append"
        ? v.array(node.item as never)
        : op.kind === "addToSet" || op.kind === "deleteFromSet"
          ? v.set(node.value as never)
          : undefined;
  if (fieldSchema === undefined || !("value" in op)) return;
  validated(atom, v.safeParse(v.object({ [field]: fieldSchema as never }), { [field]: op.value }));
}

function formatKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? (value.constructor?.name ?? "an object") : typeof value;
}

/**
 * The value the operations make of `current` (the slow path, and the model of the fast one):
 * `add` to an absent field starts from zero, `append` and `addToSet` from empty, as DynamoDB's
 * own operations do.
 */
export function applyOps(
  current: Readonly<Record<string, unknown>>,
  ops: Ops,
  fail: (field: string, reason: string) => DynatomError,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const [field, op] of ops) {
    const was = current[field];
    switch (op.kind) {
      case "set":
        next[field] = op.value;
        break;
      case "remove":
        delete next[field];
        break;
      case "add":
        if (was === undefined) next[field] = op.value;
        else if (typeof was === "number" && typeof op.value === "number")
          next[field] = was + op.value;
        else if (typeof was === "bigint" && typeof op.value === "bigint")
          next[field] = was + op.value;
        else throw fail(field, `add of ${formatKind(op.value)} to ${formatKind(was)}`);
        break;
      case "append":
        if (was !== undefined && !Array.isArray(was))
          throw fail(field, `append to ${formatKind(was)}, not a list`);
        next[field] = [...((was as unknown[] | undefined) ?? []), ...op.value];
        break;
      case "addToSet":
      case "deleteFromSet": {
        if (was !== undefined && !(was instanceof Set))
          throw fail(field, `${op.kind} on ${formatKind(was)}, not a Set`);
        const members = new Set(was as Set<unknown> | undefined);
        for (const member of op.value) {
          if (op.kind === "addToSet") members.add(member);
          else members.delete(member);
        }
        next[field] = members;
        break;
      }
    }
  }
  return next;
}
