import type { WhereFn } from "../filter/where.js";
import type { AtomDefinition, IndexName, IndexPartition, InferAtom } from "../schema/types.js";

/** One page of a query: decoded, typed items, and a cursor when more may follow. */
export interface Page<T> {
  readonly items: T[];
  /** Pass it as `cursor` to continue after the last item; absent when the query is done. */
  readonly cursor?: string;
}

/** Options of `go` and `pages`. */
export interface QueryOptions {
  /**
   * `go`: the most items to return (it reads as many DynamoDB pages as that takes); without it,
   * `go` returns every match. `pages`: the size of each page; without it, one DynamoDB page each.
   */
  readonly limit?: number;
  /** By the index's sort key: `"asc"` (the default) or `"desc"`. */
  readonly order?: "asc" | "desc";
  /** Continue after the last item of an earlier page of this very query. */
  readonly cursor?: string;
  /**
   * Read strongly consistently: every write acknowledged before the query began is seen. Only
   * `.primary(...)` queries can (DynamoDB reads a GSI eventually consistently); default false.
   */
  readonly consistent?: boolean;
}

/** A query ready to run. */
export interface RunnableQuery<T> {
  /** One page of up to `limit` items (all matches without a limit), decoded and typed. */
  go(options?: QueryOptions): Promise<Page<T>>;
  /** The pages of the query, fetched as you iterate. */
  pages(options?: QueryOptions): AsyncIterableIterator<Page<T>>;
  /**
   * How many items match, counted by DynamoDB (`Select: COUNT`, page by page): no item is
   * returned or decoded, but the read units are those of reading them.
   */
  count(options?: Pick<QueryOptions, "consistent">): Promise<number>;
  /**
   * Reads and returns only these fields of each match (a ProjectionExpression), typed as a
   * `Pick` of the value; the matches, orders, pages and cursors stay the query's.
   */
  select<const K extends readonly (keyof T & string)[]>(
    fields: K,
  ): RunnableQuery<Pick<T, K[number]>>;
  /**
   * Keeps only the matches that meet a condition on the value's fields. DynamoDB runs it as a
   * FilterExpression, and dynatom tests each item it keeps exactly on the decoded value; `limit`
   * counts matches, not items read. Two `where`s both hold.
   * @example .where((v, { and, eq, contains }) => and(eq(v.status, "active"), contains(v.tags, "vip")))
   */
  where(fn: WhereFn<T>): RunnableQuery<T>;
}

type Prefixes<F> = F extends readonly [infer H, ...infer R]
  ? readonly [H] | readonly [H, ...Prefixes<R>]
  : never;

type FieldsOf<T, P extends readonly unknown[]> = { readonly [K in P[number] & keyof T]: T[K] };

/** The sort fields a condition may name: the first one, the first two, … of the index's sort key. */
export type SortCondition<T, F> =
  Prefixes<F> extends infer P ? (P extends readonly unknown[] ? FieldsOf<T, P> : never) : never;

/** The fields of `C`, with their types in `T`: the other end of a `between`. */
type SameFields<T, C> = { readonly [K in keyof C]: K extends keyof T ? T[K] : never };

/** Like {@link SortCondition}, for prefixes whose last field is a string: what `beginsWith` takes. */
export type StringSortCondition<T, F> =
  Prefixes<F> extends infer P
    ? P extends readonly [...unknown[], infer L extends keyof T]
      ? T[L] extends string
        ? FieldsOf<T, P>
        : never
      : never
    : never;

/**
 * A query on one partition of an index, with typed sort-key conditions. With several sort
 * fields a condition names the first one, or the first two, and so on.
 */
export interface IndexQuery<T, F> extends RunnableQuery<T> {
  eq(fields: SortCondition<T, F>): RunnableQuery<T>;
  gt(fields: SortCondition<T, F>): RunnableQuery<T>;
  gte(fields: SortCondition<T, F>): RunnableQuery<T>;
  lt(fields: SortCondition<T, F>): RunnableQuery<T>;
  lte(fields: SortCondition<T, F>): RunnableQuery<T>;
  /** Both ends included; both name the same fields. */
  between<C extends SortCondition<T, F>>(from: C, to: NoInfer<SameFields<T, C>>): RunnableQuery<T>;
  beginsWith(fields: StringSortCondition<T, F>): RunnableQuery<T>;
}

/** The sort-key fields of an index, in order, as declared. */
type SortFields<D, N> = D extends { readonly "~spec"?: { readonly indexes: infer I } }
  ? N extends keyof I
    ? I[N] extends { readonly sk: infer F }
      ? F
      : readonly []
    : never
  : never;

/** The fields of one part of the table's own key, as declared (a list key is all partition). */
type KeyPart<D, Part extends "pk" | "sk"> = D extends {
  readonly "~spec"?: { readonly key: infer K };
}
  ? K extends readonly string[]
    ? Part extends "pk"
      ? K
      : readonly []
    : K extends { readonly [P in Part]: infer F extends readonly string[] }
      ? F
      : readonly []
  : never;

/** The partition-key fields of the table's own key, with their value types. */
type PrimaryPartition<D> = {
  readonly [K in KeyPart<D, "pk">[number] & keyof InferAtom<D>]: InferAtom<D>[K];
};

/**
 * `store.query(X)`: one method per index, taking the index's partition-key fields, and
 * `primary`, taking the partition fields of the table's own key: a tenant's items without a GSI.
 */
export type AtomQueries<D extends AtomDefinition> = {
  readonly [N in IndexName<D>]: (
    partition: IndexPartition<D, N>,
  ) => IndexQuery<InferAtom<D>, SortFields<D, N>>;
} & {
  readonly primary: (partition: PrimaryPartition<D>) => IndexQuery<InferAtom<D>, KeyPart<D, "sk">>;
};
