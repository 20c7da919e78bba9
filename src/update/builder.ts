import { buildWhere, type WhereFn } from "../filter/where.js";
import type { AtomDefinition } from "../schema/types.js";
import { addOps, invalidUpdate, type Op, type Ops, type Subject } from "./ops.js";
import type { UpdateSpec } from "./run.js";

type Defined<T> = Exclude<T, undefined>;
type KeysWhere<T, V> = { [K in keyof T]-?: Defined<T[K]> extends V ? K : never }[keyof T] & string;

/**
 * Fields holding any number or any bigint (not a set of literals), as stored and as given, and
 * what `add` adds to each.
 */
export type AddFields<T, In = T> = {
  readonly [K in CountKeys<T> & CountKeys<In>]?: Defined<T[K & keyof T]>;
};
type CountKeys<T> = {
  [K in keyof T]-?: number extends Defined<T[K]> ? K : bigint extends Defined<T[K]> ? K : never;
}[keyof T] &
  string;
/** List fields, and the elements `append` puts at their ends. */
export type AppendFields<T> = {
  readonly [K in KeysWhere<T, readonly unknown[]>]?: Defined<T[K]>;
};
/** Set fields, and the members `addToSet`/`deleteFromSet` add or take away. */
export type SetFields<T> = {
  readonly [K in KeysWhere<T, ReadonlySet<unknown>>]?: Defined<T[K]>;
};
/** Fields the schema lets be absent: what `remove` takes. */
export type OptionalField<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T] &
  string;

/**
 * An update of one atom without reading it: each method returns a new builder, nothing is sent
 * until `go()`. Every field is changed by one operation at most.
 *
 * @example
 * const next = await store.update(Account, { tenant: "t1", id: "a1" })
 *   .add({ score: 1 }).set({ email: "b@x.io" }).where((v, { gte }) => gte(v.score, 0)).go();
 */
export class UpdateBuilder<T, In = T> {
  readonly #definition: AtomDefinition;
  readonly #subject: Subject;
  readonly #spec: UpdateSpec;
  readonly #run: (spec: UpdateSpec) => Promise<T>;

  /** @internal Made by `store.update` and `atom.update()`. */
  constructor(
    definition: AtomDefinition,
    subject: Subject,
    spec: UpdateSpec,
    run: (spec: UpdateSpec) => Promise<T>,
  ) {
    this.#definition = definition;
    this.#subject = subject;
    this.#spec = spec;
    this.#run = run;
  }

  /** Sets fields to these values (each checked against its field's schema). */
  set(fields: Partial<In>): UpdateBuilder<T, In> {
    return this.#ops("set", fields);
  }
  /** Adds to number and bigint fields, atomically (an absent field counts as 0). */
  add(fields: AddFields<T, In>): UpdateBuilder<T, In> {
    return this.#ops("add", fields);
  }
  /** Removes optional fields (a field with a default then holds the default). */
  remove(fields: readonly OptionalField<In>[]): UpdateBuilder<T, In> {
    return this.#ops("remove", fields);
  }
  /** Appends elements to list fields (an absent field counts as empty). */
  append(fields: AppendFields<In>): UpdateBuilder<T, In> {
    return this.#ops("append", fields);
  }
  /** Adds members to Set fields. */
  addToSet(fields: SetFields<In>): UpdateBuilder<T, In> {
    return this.#ops("addToSet", fields);
  }
  /** Takes members out of Set fields. */
  deleteFromSet(fields: SetFields<In>): UpdateBuilder<T, In> {
    return this.#ops("deleteFromSet", fields);
  }

  /**
   * Applies the update only where this condition holds on the stored value; else nothing is
   * written and `go()` fails with `update.condition-failed`. Two `where`s both hold.
   */
  where(fn: WhereFn<T>): UpdateBuilder<T, In> {
    const built = buildWhere(this.#definition, fn);
    const { where } = this.#spec;
    return this.#with({
      where: where === undefined ? built : { op: "and", parts: [where, built] },
    });
  }

  /** Makes the item when it is absent (from its key fields and the operations), instead of `update.not-found`. */
  upsert(): UpdateBuilder<T, In> {
    return this.#with({ upsert: true });
  }

  /** Sends the update; resolves to the new value. */
  go(): Promise<T> {
    if (this.#spec.ops.size === 0) {
      const reason = "it names no change: call set, add, remove, append, addToSet or deleteFromSet";
      return Promise.reject(invalidUpdate(this.#subject, "", reason));
    }
    return this.#run(this.#spec);
  }

  #ops(kind: Op["kind"], fields: unknown): UpdateBuilder<T, In> {
    const ops: Ops = addOps(this.#definition, this.#subject, this.#spec.ops, kind, fields);
    return this.#with({ ops });
  }

  #with(change: Partial<UpdateSpec>): UpdateBuilder<T, In> {
    return new UpdateBuilder(
      this.#definition,
      this.#subject,
      { ...this.#spec, ...change },
      this.#run,
    );
  }
}
