import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import * as v from "valibot";
import { assertItemSize, decodeItem, encodeFields } from "../encoding/index.js";
import { DecodeError, DynatomError, ValidationError } from "../errors/index.js";
import {
  BOOKKEEPING_ATTRIBUTES,
  BOOKKEEPING_BYTES,
  KEY_ATTRIBUTE,
  SCHEMA_VERSION_ATTRIBUTE,
  schemaVersionOf,
  TTL_ATTRIBUTE,
  ttlOf,
} from "./bookkeeping.js";
import { checkDeclaration } from "./check.js";
import { valueFields } from "./introspect.js";
import { checkKeyFields, formatStoredKey, indexKeys, MODEL_VERSION, primaryKey } from "./keys.js";
import { parseRewritten, rewrite } from "./rewrite.js";
import { compile, type Mismatch, mismatchOf, outputsOf } from "./stored.js";
import type {
  AtomDefinition,
  AtomKeyFields,
  AtomSchema,
  AtomSpec,
  FieldOf,
  IndexSpec,
  KeyShape,
  KeySpec,
  MigrationStep,
} from "./types.js";

const omitBookkeeping = (name: string) =>
  BOOKKEEPING_ATTRIBUTES.has(name) || KEY_ATTRIBUTE.test(name);

/** Runs valibot on a value to be written; its output is what is stored. */
export function validate<S extends AtomSchema>(
  atom: string,
  schema: S,
  value: unknown,
): v.InferOutput<S> {
  return validated(atom, v.safeParse(schema, value));
}

/** valibot's output, or `ValidationError` with its issues. */
export function validated<S extends AtomSchema>(
  atom: string,
  result: v.SafeParseResult<S>,
): v.InferOutput<S> {
  if (result.success) return result.output;
  const issues = result.issues.map((issue) =>
    issue.path === undefined
      ? { message: issue.message }
      : { message: issue.message, path: issue.path.map((item) => item.key) },
  );
  const where = (issue: (typeof issues)[number]) =>
    issue.path?.length ? `${issue.path.join(".")}: ` : "";
  throw new ValidationError(
    `Atom "${atom}": the value does not match its schema, so nothing was written: ` +
      issues.map((issue) => `${where(issue)}${issue.message}`).join("; "),
    { details: { atom, issues } },
  );
}

/** `decode.schema-mismatch`: a stored value the schema does not read, at `mismatch.path`. */
export function schemaMismatch(atom: string, where: string, mismatch: Mismatch): DecodeError {
  return new DecodeError(
    "decode.schema-mismatch",
    `Atom "${atom}" ${where}: the stored value at ${mismatch.path} is ${mismatch.found}, but ` +
      `the schema reads ${mismatch.expected} there. It was written by another tool, or by ` +
      "another schema under the same version: fix the item, or raise the version and migrate.",
    { details: { atom, key: where, ...mismatch } },
  );
}

/** The schema version an item was written with; refuses one newer than this code knows. */
export function storedVersion(
  owner: { readonly name: string; readonly key: KeyShape },
  image: Readonly<Record<string, AttributeValue>>,
  known: number,
): number {
  const atom = owner.name;
  // An item nobody here wrote has no version: take it as written in the current shape.
  const stored = schemaVersionOf(owner, image) ?? known;
  if (stored > known) {
    throw new DynatomError(
      "schema.newer-version",
      `Atom "${atom}": this item was written with schema version ${stored}, but this code knows ` +
        `versions up to ${known}. Deploy the newer definition here before reading it.`,
      { details: { atom, stored, known } },
    );
  }
  return stored;
}

function migrated<S extends AtomSchema>(
  atom: string,
  schema: S,
  steps: Readonly<Record<number, MigrationStep>>,
  value: Record<string, unknown>,
  from: number,
  to: number,
): v.InferOutput<S> {
  let current: unknown = value;
  for (let version = from; version < to; version++) {
    const step = Object.hasOwn(steps, version) ? steps[version] : undefined;
    const fail = (reason: string, cause?: unknown) =>
      new DynatomError(
        "schema.migration-failed",
        `Atom "${atom}": an item of schema version ${from} cannot be read as version ${to}: ${reason}.`,
        { details: { atom, from: version, to: version + 1, reason }, cause },
      );
    if (step === undefined)
      throw fail(`there is no migrate[${version}] (version ${version} → ${version + 1})`);
    try {
      current = step(current as Record<string, unknown>);
    } catch (err) {
      throw fail(`migrate[${version}] threw: ${(err as Error).message}`, err);
    }
  }
  const result = v.safeParse(schema, current);
  if (!result.success) {
    const issues = result.issues.map((issue) => issue.message).join("; ");
    throw new DynatomError(
      "schema.migration-failed",
      `Atom "${atom}": the migrated value does not match schema version ${to}: ${issues}.`,
      { details: { atom, from, to, reason: issues } },
    );
  }
  return result.output;
}

/**
 * Checks a declaration and builds its pure half: keys, encode and decode. The store adds the
 * generated ElectroDB entity (see `defineAtom`).
 */
export function declareAtom<
  const S extends AtomSchema,
  const K extends KeySpec<FieldOf<S>>,
  const I extends Readonly<Record<string, IndexSpec<FieldOf<S>>>> = Record<never, never>,
>(spec: AtomSpec<S, K, I>): Omit<AtomDefinition<S, K, I>, "entity"> {
  const { key, indexes, kinds } = checkDeclaration(spec);
  const { name, version, schema } = spec;
  const ttl = spec.ttl as string | undefined;
  const steps = spec.migrate ?? {};
  const outputCheck = compile(schema);
  const rewritten = rewrite(schema);
  // An item of the current version decodes only the fields its schema names, whatever else it
  // carries (an attribute another tool added): what a projected read returns too, and what the
  // value's type says. Where the fields cannot be named, and for older versions (whose fields a
  // migration step reads), every attribute.
  const named = valueFields(schema);
  const fieldSet = named === undefined ? undefined : new Set(named);
  const omitUnnamed =
    fieldSet === undefined
      ? omitBookkeeping
      : (attribute: string) => !fieldSet.has(attribute) || omitBookkeeping(attribute);
  // Closures, not methods on `this`: `const { encode } = Account` must work too.
  const prepare = (value: unknown, from?: unknown) => {
    const output: v.InferOutput<S> =
      from === undefined || rewritten === undefined
        ? validate(name, schema, value)
        : validated(name, parseRewritten(rewritten, value, outputsOf(outputCheck, from)));
    // One object filled in place: spreading four objects into a fifth costs more than encoding.
    const item = primaryKey(name, key, output);
    Object.assign(item, indexKeys(name, indexes, output), encodeFields(output));
    item[SCHEMA_VERSION_ATTRIBUTE] = { N: String(version) };
    if (ttl !== undefined) {
      const field = (output as Record<string, unknown>)[ttl];
      const expiry = ttlOf(field);
      if (expiry !== undefined) item[TTL_ATTRIBUTE] = expiry;
      else if (typeof field === "number") {
        // DynamoDB refuses it in `_ttl`; an epoch second that large means nothing anyway.
        const message = `the expiry must be epoch seconds DynamoDB can hold, not ${field}`;
        throw new ValidationError(
          `Atom "${name}": the value does not match its schema, so nothing was written: ${ttl}: ${message}`,
          { details: { atom: name, issues: [{ message, path: [ttl] }] } },
        );
      }
    }
    item.__edb_e__ = { S: name };
    item.__edb_v__ = { S: MODEL_VERSION };
    assertItemSize(item, `The item of atom "${name}"`, BOOKKEEPING_BYTES);
    return { value: output, item };
  };
  return {
    name,
    version,
    schema,
    key,
    indexes,
    fieldKinds: kinds,
    migrate: steps,
    ...(ttl === undefined ? {} : { ttl }),
    encode: (value) => prepare(value).item,
    prepare,
    decode(image) {
      const stored = storedVersion({ name, key }, image, version);
      const value = decodeItem(image, {
        omit: stored === version ? omitUnnamed : omitBookkeeping,
      });
      if (stored !== version) return migrated(name, schema, steps, value, stored, version);
      // The types of what is stored, at every depth; a migrated value was parsed whole.
      const mismatch = mismatchOf(outputCheck, value);
      if (mismatch === undefined) return value as v.InferOutput<S>;
      throw schemaMismatch(name, formatStoredKey(key, image), mismatch);
    },
    keyOf(fields: AtomKeyFields<S, K>) {
      return primaryKey(name, key, checkKeyFields(name, key, kinds, fields));
    },
  };
}
