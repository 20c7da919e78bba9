/**
 * What the README's ```ts examples use without declaring it. test/unit/readme-examples.test.ts
 * turns every export of this module into an ambient global of the same name and type for the
 * examples alone (never for the project), next to what README blocks export (Account, Counter),
 * and a block's own declarations shadow them all. Nothing here runs: it is only type-checked, so
 * what the README leaves to the reader is `declare`d.
 */
import {
  type AtomKey,
  createStore,
  decodeStreamRecord,
  defineAtom,
  type InferAtom,
  type StreamRecord,
} from "dynatom";
import * as v from "valibot";
import { Account, Counter } from "../helpers/atoms.js";

export type { StreamRecord };
// What earlier blocks import, for the blocks that continue them.
export { createStore, decodeStreamRecord, defineAtom };

// As the README's "Declare an atom type" declares them (the tests' own declarations, the same);
// not exported, so that the examples get the README's own and fail when it loses one.
type AccountValue = InferAtom<typeof Account>;

const Ledger = defineAtom({
  name: "ledger",
  version: 1,
  schema: v.object({ id: v.string(), open: v.boolean() }),
  key: ["id"],
});

// As "Open a store" and "Atoms" open them.
export const store = createStore({ table: "app", atoms: [Account, Counter, Ledger] });
export const acct = store.atom(Account, { tenant: "t1", id: "a1" });
export const hits = store.atom(Counter, { name: "hits" }, { init: { name: "hits", n: 0 } });
export const ledgerOpen = store.atom(Ledger, { id: "main" });

// Batches and transactions.
export declare const keys: AtomKey<typeof Account>[];
export declare const accounts: AccountValue[];
export declare const audit: AccountValue;
export declare const amount: bigint;
export declare function emptyAccount(tenant: string, id: string): AccountValue;
export declare function log(done: number, total: number): void;
export declare function render(items: readonly AccountValue[]): void;

// Schema versions: version 2 adds a field.
export type AccountV1 = AccountValue;
export const AccountSchemaV2 = v.object({ ...Account.schema.entries, nickname: v.string() });
export declare function toV2(v1: AccountV1): v.InferOutput<typeof AccountSchemaV2>;

// decimal.js, as the README's custom type.
export declare class Decimal {
  constructor(value: string);
  toString(): string;
}
