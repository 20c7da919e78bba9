// Type tests for the module codegen wrote from test/fixtures/codegen: the generated atoms type
// their values, keys and indexes as a hand-written defineAtom would.
import type { AtomKey, IndexName, IndexSort } from "dynatom";
import type { Account, Counter, EveryType } from "../fixtures/codegen/expected.gen.js";

declare const account: Account;
const balance: bigint = account.balance;
const tags: Set<string> = account.tags;
const prefs: Map<string, unknown> = account.prefs;
const avatar: Uint8Array | undefined = account.avatar;
const note: string | null = account.note;
const zip: string = account.address.zip;
const at: Date | undefined = account.history[0]?.at;
const status: "active" | "closed" = account.status;
void [balance, tags, prefs, avatar, note, zip, at, status];
// @ts-expect-error: status is a picklist
const badStatus: Account["status"] = "open";
void badStatus;

const key: AtomKey<typeof Account> = { tenant: "t", id: "a" };
void key;
// @ts-expect-error: the key needs id
const noId: AtomKey<typeof Account> = { tenant: "t" };
void noId;
const indexes: IndexName<typeof Account>[] = ["byEmail", "byTenantCreated"];
void indexes;
const sort: IndexSort<typeof Account, "byTenantCreated"> = { createdAt: new Date() };
void sort;

const counter: Counter = { name: "c", n: 1 };
void counter;

declare const every: EveryType;
const one: 1 = every.one;
const yes: true = every.yes;
const fixed: "fixed" = every.fixed;
const kind: "a" | "b" | "c d" = every.kind;
const lookup: Map<number, string[]> = every.lookup;
const counts: Record<string, number> = every.counts;
const deep: "x" | "y" | undefined = every.nested?.inner.deep;
const spaced: string | undefined = every.nested?.["with space"];
const ratio: number | null = every.ratio;
const site: string | undefined = every.site;
void [one, yes, fixed, kind, lookup, counts, deep, spaced, ratio, site];
// @ts-expect-error: nested may be null or absent
const nested: { inner: { deep: "x" | "y" } } = every.nested;
void nested;
