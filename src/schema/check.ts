import { DefinitionError } from "../errors/index.js";
import { reservedReason } from "./bookkeeping.js";
import { type FieldKind, fieldShape, objectEntries } from "./introspect.js";
import type { IndexShape, IndexSpec, KeyShape, KeySpec } from "./types.js";

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const GSI = /^gsi([1-9]\d*)$/;
const ALLOWED = "string, number, bigint, Date, boolean, or a picklist of strings";

/** What a checked declaration knows about its fields. */
export interface CheckedDeclaration {
  readonly key: KeyShape;
  readonly indexes: readonly IndexShape[];
  /** The kind of every key and index field. */
  readonly kinds: ReadonlyMap<string, FieldKind>;
}

function invalid(
  atom: string,
  reason: string,
  field?: string,
): DefinitionError<"definition.invalid"> {
  return new DefinitionError("definition.invalid", `Atom "${atom}": ${reason}.`, {
    details: field === undefined ? { atom, reason } : { atom, field, reason },
  });
}

/**
 * Checks a declaration without I/O and returns its normalised keys and indexes. Every problem
 * is a `DefinitionError` naming the atom and the field, and saying what is allowed.
 */
export function checkDeclaration(spec: {
  readonly name: unknown;
  readonly version: unknown;
  readonly schema: unknown;
  readonly key: KeySpec;
  readonly indexes?: Readonly<Record<string, IndexSpec>> | undefined;
  readonly migrate?: unknown;
  readonly ttl?: unknown;
}): CheckedDeclaration {
  const atom = typeof spec.name === "string" ? spec.name : String(spec.name);
  if (typeof spec.name !== "string" || !NAME.test(spec.name)) {
    throw invalid(
      atom,
      "the name must start with a letter and hold only letters, digits, _ and - (at most 64)",
    );
  }
  if (!Number.isInteger(spec.version) || (spec.version as number) < 1) {
    throw invalid(atom, `the version must be a whole number from 1, not ${String(spec.version)}`);
  }
  if ((spec.schema as { readonly async?: unknown } | null)?.async === true) {
    throw invalid(
      atom,
      "the schema is async (v.objectAsync or an async check inside): writes validate it in the " +
        "same step as they encode, so use synchronous valibot schemas",
    );
  }
  const entries = objectEntries(spec.schema);
  if (entries === undefined) {
    throw invalid(
      atom,
      "the schema must be a valibot object schema (v.object, v.strictObject, v.looseObject or v.objectWithRest)",
    );
  }
  for (const field of Object.keys(entries)) {
    const reason = reservedReason(field);
    if (reason !== undefined) {
      throw new DefinitionError(
        "definition.reserved-name",
        `Atom "${atom}": the field "${field}" cannot be used: ${reason}. Rename it.`,
        { details: { atom, field } },
      );
    }
  }
  if (spec.migrate !== undefined && (typeof spec.migrate !== "object" || spec.migrate === null)) {
    throw invalid(atom, "migrate must be an object of steps: { 1: (v1) => v2, … }");
  }
  for (const [from, step] of Object.entries(spec.migrate ?? {})) {
    const n = Number(from);
    if (
      !Number.isInteger(n) ||
      n < 1 ||
      n >= (spec.version as number) ||
      typeof step !== "function"
    ) {
      throw invalid(
        atom,
        `migrate[${from}] must be a function from version ${from} to ${n + 1}, below the version ${String(spec.version)}`,
      );
    }
  }

  if (spec.ttl !== undefined) {
    const ttl = spec.ttl;
    const kind =
      typeof ttl === "string" && Object.hasOwn(entries, ttl)
        ? fieldShape(entries[ttl]).kind
        : undefined;
    if (kind !== "date" && kind !== "number") {
      throw invalid(
        atom,
        `ttl must name a top-level Date field, or a number field of epoch seconds, not ${JSON.stringify(ttl)}`,
        String(ttl),
      );
    }
  }

  const kinds = new Map<string, FieldKind>();
  const field = (name: unknown, index: string): string => {
    const fail = (reason: string) =>
      new DefinitionError(
        "definition.bad-key-field",
        `Atom "${atom}", ${index}: the field "${String(name)}" ${reason}.`,
        { details: { atom, field: String(name), index, reason } },
      );
    if (typeof name !== "string" || !Object.hasOwn(entries, name)) {
      throw fail(
        `is not a top-level field of the schema (fields: ${Object.keys(entries).join(", ")})`,
      );
    }
    const shape = fieldShape(entries[name]);
    if (shape.optional) {
      throw fail("is optional or nullable; key and index fields must always be present");
    }
    if (shape.kind === undefined) {
      throw fail(`cannot be a key: ${shape.why ?? "its type is unknown"}. Allowed: ${ALLOWED}`);
    }
    kinds.set(name, shape.kind);
    return name;
  };
  const fields = (list: unknown, index: string, part: string): string[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw invalid(atom, `${index}.${part} must be a list of field names`);
    const names = list.map((name) => field(name, index));
    if (new Set(names).size !== names.length)
      throw invalid(atom, `${index}.${part} names a field twice`);
    return names;
  };

  const keySpec = spec.key as unknown;
  const key: KeyShape = Array.isArray(keySpec)
    ? { pk: fields(keySpec, "key", "pk"), sk: [] }
    : typeof keySpec === "object" && keySpec !== null
      ? {
          pk: fields((keySpec as { pk?: unknown }).pk, "key", "pk"),
          sk: fields((keySpec as { sk?: unknown }).sk, "key", "sk"),
        }
      : { pk: [], sk: [] };
  if (key.pk.length === 0)
    throw invalid(atom, 'the key needs at least one field, e.g. key: ["id"]');

  return { key, indexes: assignIndexes(atom, spec.indexes ?? {}, fields), kinds };
}

/** What `store.query(X)` calls the table's own key, beside the indexes. */
export const PRIMARY = "primary";

/** Gives each index its generic GSI: the pinned one, else the lowest free, in declaration order. */
function assignIndexes(
  atom: string,
  specs: Readonly<Record<string, IndexSpec>>,
  fields: (list: unknown, index: string, part: string) => string[],
): IndexShape[] {
  const taken = new Map<string, string>();
  const named = Object.entries(specs).map(([name, spec]) => {
    if (typeof spec !== "object" || spec === null)
      throw invalid(atom, `the index "${name}" must be { pk: [...], sk?: [...] }`);
    if (name === PRIMARY)
      throw invalid(
        atom,
        `"${PRIMARY}" names the table's own key in queries; give the index another name`,
      );
    const pk = fields(spec.pk, `index "${name}"`, "pk");
    if (pk.length === 0) throw invalid(atom, `the index "${name}" needs at least one pk field`);
    const sk = fields(spec.sk, `index "${name}"`, "sk");
    if (spec.index !== undefined) {
      if (!GSI.test(spec.index))
        throw invalid(atom, `the index "${name}" pins "${spec.index}"; use gsi1, gsi2, …`);
      const other = taken.get(spec.index);
      if (other !== undefined) {
        throw new DefinitionError(
          "definition.conflict",
          `Atom "${atom}": the indexes "${other}" and "${name}" both use ${spec.index}.`,
          { details: { atom, reason: `two indexes on ${spec.index}` } },
        );
      }
      taken.set(spec.index, name);
    }
    return { name, pk, sk, pinned: spec.index };
  });
  let next = 1;
  return named.map(({ name, pk, sk, pinned }) => {
    if (pinned !== undefined) return { name, pk, sk, gsi: pinned };
    while (taken.has(`gsi${next}`)) next++;
    const gsi = `gsi${next}`;
    taken.set(gsi, name);
    return { name, pk, sk, gsi };
  });
}
