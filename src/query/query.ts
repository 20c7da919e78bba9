import type { QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import type { Fields, Item } from "../encoding/item.js";
import { bothFilters, type Compiled, compileFilter, liveFilter } from "../filter/compile.js";
import { evaluate } from "../filter/evaluate.js";
import { buildWhere, type Cond, condKey, fieldsOf } from "../filter/where.js";
import { queryIndex } from "../requests/query.js";
import { expired, nowSeconds } from "../schema/bookkeeping.js";
import { readProjections } from "../schema/projection.js";
import type { AtomDefinition, IndexShape } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { countRange } from "./count.js";
import { fingerprint, makeCursor, readCursor } from "./cursor.js";
import { type Order, type SortPlan, sortPlan } from "./plan.js";
import { type Condition, inRange, invalidCondition, type SortRange, sortRange } from "./range.js";
import { pickFields, type Selection, selection } from "./select.js";
import type { IndexQuery, Page, QueryOptions, RunnableQuery } from "./types.js";

/** The fewest items a filtered query asks DynamoDB for at a time. */
const FILTERED_PAGE = 100;

/** A `where` filter: the condition, and what DynamoDB runs of it (see `compileFilter`). */
interface Filter {
  readonly cond: Cond;
  readonly compiled: Compiled | boolean;
}

/** How one page is read: its order, where it starts, how many items at most, how consistent. */
interface ReadHow {
  readonly order: Order;
  readonly start: Item | undefined;
  readonly limit: number | undefined;
  readonly consistent: boolean;
}

/** What one read of the index returned, within the range, and where to go on from. */
interface IndexPage {
  readonly items: Item[];
  /** The key to continue after; undefined when the range is done. */
  readonly next: Item | undefined;
}

/**
 * A query on one partition of one index. Conditions return a new query, so a query value can be
 * kept and run again. Nothing is sent until `go` or `pages`.
 */
export class Query<T> implements IndexQuery<T, readonly string[]> {
  readonly #core: StoreCore;
  readonly #definition: AtomDefinition;
  readonly #index: IndexShape;
  readonly #partition: string;
  readonly #condition: Condition;
  readonly #selection: Selection | undefined;
  readonly #filter: Filter | undefined;

  constructor(
    core: StoreCore,
    definition: AtomDefinition,
    index: IndexShape,
    partition: string,
    condition: Condition = { op: "all" },
    chosen?: Selection,
    filter?: Filter,
  ) {
    this.#core = core;
    this.#definition = definition;
    this.#index = index;
    this.#partition = partition;
    this.#condition = condition;
    this.#selection = chosen;
    this.#filter = filter;
    // Check the condition now, where the user wrote it, rather than on the first `go`.
    sortRange(definition, index, condition);
  }

  select(fields: readonly string[]): Query<T> {
    return this.#derive({ selection: this.#selectionOf(fields, this.#filter) });
  }

  where(fn: unknown): Query<T> {
    const built = buildWhere(this.#definition, fn);
    const cond: Cond =
      this.#filter === undefined ? built : { op: "and", parts: [this.#filter.cond, built] };
    const compiled = compileFilter(this.#definition, cond);
    const filter: Filter = { cond, compiled };
    const fields = this.#selection?.fields;
    return this.#derive({
      filter,
      ...(fields === undefined ? {} : { selection: this.#selectionOf(fields, filter) }),
    });
  }

  /**
   * The selection of `fields`, reading also the fields a filter tests (they are tested on the
   * decoded value, then left out of what is returned).
   */
  #selectionOf(fields: readonly string[], filter: Filter | undefined): Selection {
    const { name, gsi } = this.#index;
    const picked = selection(this.#definition, { name, gsi }, fields);
    if (filter === undefined) return picked;
    const extra = [...fieldsOf(filter.cond)].filter((field) => !picked.fields.includes(field));
    if (extra.length === 0) return picked;
    const wide = selection(this.#definition, { name, gsi }, [...picked.fields, ...extra]);
    return { ...wide, fields: picked.fields, pick: picked.fields };
  }

  #derive(change: { condition?: Condition; selection?: Selection; filter?: Filter }): Query<T> {
    return new Query<T>(
      this.#core,
      this.#definition,
      this.#index,
      this.#partition,
      change.condition ?? this.#condition,
      change.selection ?? this.#selection,
      change.filter ?? this.#filter,
    );
  }

  eq(fields: Fields): RunnableQuery<T> {
    return this.#derive({ condition: { op: "eq", fields } });
  }
  gt(fields: Fields): RunnableQuery<T> {
    return this.#derive({ condition: { op: "gt", fields } });
  }
  gte(fields: Fields): RunnableQuery<T> {
    return this.#derive({ condition: { op: "gte", fields } });
  }
  lt(fields: Fields): RunnableQuery<T> {
    return this.#derive({ condition: { op: "lt", fields } });
  }
  lte(fields: Fields): RunnableQuery<T> {
    return this.#derive({ condition: { op: "lte", fields } });
  }
  between(from: Fields, to: Fields): RunnableQuery<T> {
    return this.#derive({ condition: { op: "between", fields: from, to } });
  }
  beginsWith(fields: Fields): RunnableQuery<T> {
    return this.#derive({ condition: { op: "beginsWith", fields } });
  }

  async go(options: QueryOptions | null = {}): Promise<Page<T>> {
    const { order, limit, plan, query, start: first, consistent } = this.#prepare(options);
    if (plan === undefined) return { items: [] };
    let start = first;
    const items: Item[] = [];
    for (;;) {
      // DynamoDB's Limit counts the items it reads, before the filter: read in larger pages.
      const want = this.#want(limit, items.length);
      const read = await this.#read(plan, { order, start, limit: want, consistent });
      items.push(...read.items);
      if (limit !== undefined && items.length > limit) {
        // One more item than asked for came back, so there is more: resume after the last kept.
        items.length = limit;
        return this.#page(items, this.#resumeKey(items.at(-1) as Item), query);
      }
      if (read.next === undefined) return this.#page(items, undefined, query);
      start = read.next;
    }
  }

  async *pages(given: QueryOptions | null = {}): AsyncIterableIterator<Page<T>> {
    const options = given ?? {};
    const { order, limit, plan, query, range, start: first, consistent } = this.#prepare(options);
    if (plan === undefined) {
      yield { items: [] };
      return;
    }
    let cursor = options.cursor;
    let start = first;
    for (;;) {
      let page: Page<T>;
      if (limit !== undefined) {
        page = await this.go({
          limit,
          order,
          consistent,
          ...(cursor === undefined ? {} : { cursor }),
        });
      } else {
        const read = await this.#read(plan, { order, start, limit: undefined, consistent });
        page = this.#page(read.items, read.next, query);
      }
      yield page;
      if (page.cursor === undefined) return;
      cursor = page.cursor;
      start = this.#start(cursor, query, range);
    }
  }

  async count(given: Pick<QueryOptions, "consistent"> | null = {}): Promise<number> {
    const consistentGiven = given?.consistent;
    const { range, consistent, plan } = this.#prepare(
      consistentGiven === undefined ? {} : { consistent: consistentGiven },
    );
    // A filter is exact only on decoded values: read the matches' fields and count them here.
    if (this.#filter !== undefined) {
      if (plan === undefined) return 0;
      let total = 0;
      let start: Item | undefined;
      do {
        const read = await this.#read(plan, { order: "asc", start, limit: undefined, consistent });
        total += read.items.length;
        start = read.next;
      } while (start !== undefined);
      return total;
    }
    return countRange(
      this.#core,
      this.#definition,
      this.#index.gsi,
      this.#partition,
      range,
      consistent,
    );
  }

  /** The QueryCommand input of the first request, without sending it. */
  params(options: QueryOptions = {}): QueryCommandInput | undefined {
    const { order, limit, plan, start, consistent } = this.#prepare(options);
    if (plan === undefined) return undefined;
    return this.#input(plan, {
      order,
      start,
      limit: this.#want(limit, 0),
      consistent,
    });
  }

  /**
   * How many items to ask DynamoDB for, with `have` matches of `limit` in hand: one more than
   * are missing (to know whether more follow), and at least a large page where a filter (or
   * expiry) may drop items, since DynamoDB's Limit counts items read before it.
   */
  #want(limit: number | undefined, have: number): number | undefined {
    if (limit === undefined) return undefined;
    const filtered = this.#filter !== undefined || this.#definition.ttl !== undefined;
    return Math.max(limit - have + 1, filtered ? FILTERED_PAGE : 0);
  }

  #prepare(given: QueryOptions | null) {
    // JavaScript callers may pass null where the types say an object or nothing.
    const options = given ?? {};
    const order: Order = options.order ?? "asc";
    const { limit } = options;
    if (order !== "asc" && order !== "desc")
      throw this.#invalid(`order must be "asc" or "desc", not ${String(order)}`);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw this.#invalid(`limit must be a whole number from 1, not ${String(limit)}`);
    const range = sortRange(this.#definition, this.#index, this.#condition);
    // A filter no item can meet reads nothing.
    const plan = this.#filter?.compiled === false ? undefined : sortPlan(range, order);
    const consistent = options.consistent === true;
    if (options.consistent !== undefined && typeof options.consistent !== "boolean")
      throw this.#invalid(`consistent must be true or false, not ${String(options.consistent)}`);
    if (consistent && this.#index.gsi !== "")
      throw this.#invalid(
        "an index is only ever read eventually consistently (DynamoDB refuses a consistent " +
          "read of a GSI); query the table's own key with .primary(...), or leave consistent out",
      );
    const query = fingerprint([
      this.#definition.name,
      this.#index.name,
      this.#partition,
      range,
      order,
      ...(this.#filter === undefined ? [] : [condKey(this.#filter.cond)]),
    ]);
    // A cursor is checked before anything else happens, also for a query that reads nothing.
    const start =
      options.cursor === undefined ? undefined : this.#start(options.cursor, query, range);
    return { order, limit, plan, query, range, start, consistent };
  }

  /** The attributes that locate an item in the index: what a cursor holds. */
  get #keyNames(): string[] {
    const { gsi } = this.#index;
    return [...new Set(["pk", "sk", `${gsi}pk`, `${gsi}sk`])];
  }

  #invalid(reason: string) {
    return invalidCondition(this.#definition.name, this.#index.name, reason);
  }

  /** The key a cursor resumes after: one of this query's keys, in its partition and range. */
  #start(cursor: string, query: string, range: SortRange): Item {
    const { gsi } = this.#index;
    const names = this.#keyNames;
    return readCursor(
      cursor,
      this.#definition.name,
      this.#index.name,
      query,
      names,
      (key) =>
        names.every((name) => (key[name] ?? "") !== "") &&
        key[`${gsi}pk`] === this.#partition &&
        inRange(range, key[`${gsi}sk`] ?? ""),
    );
  }

  #input(plan: SortPlan, how: ReadHow): QueryCommandInput {
    return queryIndex({
      table: this.#core.table,
      gsi: this.#index.gsi,
      partition: this.#partition,
      sort: plan,
      ascending: how.order === "asc",
      start: how.start,
      limit: how.limit,
      consistent: how.consistent,
      filter: bothFilters(
        typeof this.#filter?.compiled === "object" ? this.#filter.compiled : undefined,
        this.#definition.ttl === undefined ? undefined : liveFilter(nowSeconds()),
      ),
      // The cursor of a page cut at `limit` is made from its last item, so the keys stay in.
      projection:
        this.#selection === undefined
          ? readProjections(this.#definition).query(this.#index.gsi)
          : this.#selection.projection,
    });
  }

  async #read(plan: SortPlan, how: ReadHow): Promise<IndexPage> {
    const input = this.#input(plan, how);
    const result = await this.#core.executor.read(() => new QueryCommand(input), this.#core.retry);
    let items = result.Items ?? [];
    let next = result.LastEvaluatedKey;
    const sk = `${this.#index.gsi}sk`;
    const { beyond } = plan;
    if (beyond !== undefined) {
      const past = items.findIndex((item) => beyond(item[sk]?.S ?? ""));
      if (past >= 0) {
        items = items.slice(0, past);
        next = undefined;
      } else if (next !== undefined && beyond(next[sk]?.S ?? "")) {
        // A filter can drop every item past the range: where DynamoDB stopped reading tells
        // too (a cursor past the range would be refused, and reading on would waste reads).
        next = undefined;
      }
    }
    return { items: this.#matching(items), next };
  }

  /** The items that meet the filter, tested on their decoded values (kept for `#page`). */
  #matching(given: Item[]): Item[] {
    const filter = this.#filter;
    // An item may expire between DynamoDB's filter and this one: it is absent from then on.
    const items =
      this.#definition.ttl === undefined ? given : given.filter((item) => !expired(item));
    if (filter === undefined) return items;
    const decode = this.#selection?.decode ?? this.#definition.decode;
    return items.filter((item) => {
      const value = decode(item);
      if (!evaluate(filter.cond, value)) return false;
      this.#decoded.set(item, value);
      return true;
    });
  }

  /** Values decoded to test the filter, so that a match is not decoded twice. */
  readonly #decoded = new WeakMap<Item, unknown>();

  #resumeKey(item: Item): Item {
    const key: Item = {};
    for (const name of this.#keyNames) {
      const value = item[name];
      if (value !== undefined) key[name] = value;
    }
    return key;
  }

  #page(items: readonly Item[], next: Item | undefined, query: string): Page<T> {
    const decode = this.#selection?.decode ?? this.#definition.decode;
    const pick = this.#selection?.pick;
    const values = items.map((item) => {
      const value = this.#decoded.has(item) ? this.#decoded.get(item) : decode(item);
      return (pick === undefined ? value : pickFields(value, pick)) as T;
    });
    if (next === undefined) return { items: values };
    const from = `${this.#definition.name}.${this.#index.name}`;
    return { items: values, cursor: makeCursor(from, query, next) };
  }
}
