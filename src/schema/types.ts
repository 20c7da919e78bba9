import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type * as v from "valibot";
import type { FieldKind } from "./introspect.js";

/** A valibot schema whose output is an object: the shape of one atom's value. */
export type AtomSchema = v.GenericSchema<unknown, Record<string, unknown>>;

/** The names of an atom value's top-level fields. */
export type FieldOf<S extends AtomSchema> = keyof v.InferOutput<S> & string;

/** An atom's identity: `["id"]` (partition key only) or `{ pk: [...], sk: [...] }`. */
export type KeySpec<F extends string = string> =
  | readonly F[]
  | { readonly pk: readonly F[]; readonly sk?: readonly F[] };

/** A secondary index: its key fields, and optionally the generic GSI it uses (`"gsi3"`). */
export interface IndexSpec<F extends string = string> {
  readonly pk: readonly F[];
  readonly sk?: readonly F[];
  readonly index?: `gsi${number}`;
}

/**
 * One migration step: takes a value stored with version N and returns it as version N + 1.
 * Written as a method so that a step may annotate its parameter with the old version's type.
 */
export type MigrationStep = {
  step(value: Record<string, unknown>): unknown;
}["step"];

/** What `defineAtom` takes. */
export interface AtomSpec<
  S extends AtomSchema,
  K extends KeySpec<FieldOf<S>>,
  I extends Readonly<Record<string, IndexSpec<FieldOf<S>>>>,
> {
  /** The atom type's name: part of every key, so never reuse or rename one. */
  readonly name: string;
  /** The schema version, stored with every item; raise it when the schema changes. */
  readonly version: number;
  readonly schema: S;
  readonly key: K;
  readonly indexes?: I;
  /** `{ 1: v1ToV2, 2: v2ToV3 }`: how to read items written with older versions. */
  readonly migrate?: Readonly<Record<number, MigrationStep>>;
  /**
   * A Date field, or a number field of epoch seconds, at which an item expires: every read then
   * treats it as absent, and DynamoDB deletes it (its TTL, turned on by `ensureTable`).
   */
  readonly ttl?: FieldOf<S>;
}

/** The fields named by a key spec. */
export type KeyFieldsOf<K> = K extends readonly (infer F)[]
  ? F
  :
      | (K extends { readonly pk: readonly (infer P)[] } ? P : never)
      | (K extends { readonly sk: readonly (infer Q)[] } ? Q : never);

/** A normalised key: partition and sort fields, and the GSI an index uses. */
export interface KeyShape {
  readonly pk: readonly string[];
  readonly sk: readonly string[];
}

export interface IndexShape extends KeyShape {
  readonly name: string;
  /** `gsi1`, `gsi2`, …: the table index, with key attributes `gsi1pk`/`gsi1sk`. */
  readonly gsi: string;
}

/**
 * A declared atom type. `X.encode`/`X.decode` convert between a value and the stored item with
 * no I/O; `X.entity(table, client)` is the generated ElectroDB entity.
 */
export interface AtomDefinition<
  S extends AtomSchema = AtomSchema,
  K extends KeySpec<FieldOf<S>> = KeySpec<FieldOf<S>>,
  I extends Readonly<Record<string, IndexSpec<FieldOf<S>>>> = Readonly<
    Record<string, IndexSpec<FieldOf<S>>>
  >,
> {
  readonly name: string;
  readonly version: number;
  readonly schema: S;
  readonly key: KeyShape;
  readonly indexes: readonly IndexShape[];
  /** The indexable kind of every key and index field: how its values order. */
  readonly fieldKinds: ReadonlyMap<string, FieldKind>;
  readonly migrate: Readonly<Record<number, MigrationStep>>;
  /** The field whose value says when an item expires (`ttl` of the declaration), if any. */
  readonly ttl?: string;
  /**
   * Validates the value (the schema's input) and returns the whole stored item: keys, fields
   * (valibot's output) and bookkeeping.
   * @throws ValidationError, EncodingError, ItemTooLargeError
   */
  encode(value: v.InferInput<S>): Record<string, AttributeValue>;
  /**
   * Like `encode`, also returning valibot's output: the value that is actually stored. With
   * `from`, the value it was computed from (a swap's current value), `value` may also keep,
   * where the schema transforms, the outputs `from` holds (see {@link SwapResult}).
   */
  prepare(
    value: v.InferInput<S> | SwapResult<v.InferOutput<S>, v.InferInput<S>>,
    from?: v.InferOutput<S>,
  ): {
    value: v.InferOutput<S>;
    item: Record<string, AttributeValue>;
  };
  /**
   * The value of a stored item (a GetItem result, a stream's NewImage), migrated to this version
   * and checked against the types the schema outputs.
   * @throws DecodeError (`decode.schema-mismatch` naming the path, `decode.invalid-bookkeeping`,
   * `decode.malformed`), DynatomError `schema.newer-version` / `schema.migration-failed`
   */
  decode(image: Readonly<Record<string, AttributeValue>>): v.InferOutput<S>;
  /** The key attributes (`pk`, `sk`) of the atom with this key. */
  keyOf(key: AtomKeyFields<S, K>): Record<string, AttributeValue>;
  /** Type-only: the spec this definition was made from. */
  readonly "~spec"?: { readonly key: K; readonly indexes: I };
}

/** The key fields of an atom, with their value types. */
export type AtomKeyFields<S extends AtomSchema, K> = {
  readonly [F in KeyFieldsOf<K> & keyof v.InferOutput<S>]: v.InferOutput<S>[F];
};

/**
 * The value type of an atom definition: valibot's output, what reads return.
 * @example type Account = InferAtom<typeof Account>;
 */
export type InferAtom<D> = D extends AtomDefinition<infer S> ? v.InferOutput<S> : never;

/**
 * What writes of an atom definition take (`reset`, `putItems`, `tx.put`, `encode`): valibot's
 * input. It differs from {@link InferAtom} only where the schema transforms.
 * @example type NewEvent = InferAtomInput<typeof Event>; // `at: string` where Event has `at: Date`
 */
export type InferAtomInput<D> = D extends AtomDefinition<infer S> ? v.InferInput<S> : never;

/**
 * What a swap function returns, given output type `O` and input type `I`: `O` when they are one
 * type. Otherwise, at every depth, the input or the output it was given (`{ ...current, at:
 * "2027-01-01T00:00:00Z" }`). Where a pipe ends in a bare `v.transform`, only an output it was
 * GIVEN is taken back: a new one cannot be checked (end the pipe with a schema such as
 * `v.date()`, or use a conversion such as `v.toDate()`, to allow new outputs).
 */
export type SwapResult<O, I> = [O] extends [I] ? ([I] extends [O] ? O : Mixed<O, I>) : Mixed<O, I>;

type Mixed<O, I> = O | I | MixedShape<NonNullable<O>, NonNullable<I>>;

/** Lists and plain objects mix element by element and field by field; other values do not. */
type MixedShape<O, I> = [O, I] extends [readonly (infer OE)[], readonly (infer IE)[]]
  ? SwapResult<OE, IE>[]
  : [O, I] extends [Record<string, unknown>, Record<string, unknown>]
    ? { [F in keyof I]: F extends keyof O ? SwapResult<O[F], I[F]> : I[F] }
    : never;

/** The key type of an atom definition: only its key fields. */
export type AtomKey<D> = D extends AtomDefinition<infer S, infer K> ? AtomKeyFields<S, K> : never;

/** The names of an atom definition's indexes. */
export type IndexName<D> = D extends { readonly "~spec"?: { readonly indexes: infer I } }
  ? keyof I & string
  : never;

/** The fields of one part (`pk` or `sk`) of one index, with their value types. */
type IndexFields<D, N, Part extends "pk" | "sk"> =
  D extends AtomDefinition<infer S>
    ? D extends { readonly "~spec"?: { readonly indexes: infer I } }
      ? N extends keyof I
        ? I[N] extends { readonly [P in Part]: readonly (infer F)[] }
          ? { readonly [K in F & keyof v.InferOutput<S>]: v.InferOutput<S>[K] }
          : Record<string, never>
        : never
      : never
    : never;

/** The partition-key fields of one index, with their value types: what a query on it needs. */
export type IndexPartition<D, N extends IndexName<D>> = IndexFields<D, N, "pk">;

/** The sort-key fields of one index, with their value types: what its range conditions take. */
export type IndexSort<D, N extends IndexName<D>> = IndexFields<D, N, "sk">;

/** What tsc prints, in place of the definition it expected, for an atom type a store lacks. */
export type UnregisteredAtom =
  "This atom type is not registered with this store: add it to createStore({ atoms: [...] })";

// Mutual assignability, not plain `D extends A`: an atom whose schema has more fields than a
// registered one (same key and indexes) is assignable to it, and must still be refused.
type IsOneOf<D, A> = A extends unknown
  ? [D] extends [A]
    ? [A] extends [D]
      ? true
      : false
    : false
  : never;

/**
 * `D` when it is one of the atom types `Atoms`, else {@link UnregisteredAtom}: the type of a
 * store method's definition parameter. A list whose types are only known at run time
 * (`AtomDefinition[]`) takes every atom type; the store's run-time check decides then.
 * @example function query<D extends AtomDefinition>(definition: Registered<D, Atoms>): void;
 */
export type Registered<
  D,
  Atoms extends readonly AtomDefinition[],
> = AtomSchema extends Atoms[number]["schema"]
  ? D
  : true extends IsOneOf<D, Atoms[number]>
    ? D
    : UnregisteredAtom;
