// Type tests for the change feed: lines under @ts-expect-error must not compile.
import { type Change, createStore, decodeStreamRecord, defineAtom, type InferAtom } from "dynatom";
import * as v from "valibot";
import { Account, Counter } from "../helpers/atoms.js";

const Note = defineAtom({
  name: "note",
  version: 1,
  schema: v.object({ id: v.string(), text: v.string() }),
  key: ["id"],
});

const store = createStore({ table: "app", atoms: [Account, Counter] });

export async function narrowing() {
  for await (const change of store.changes({ atoms: [Account, Counter], from: "trim-horizon" })) {
    if (change.atom === "account") {
      const tenant: string = change.key.tenant;
      if (change.type === "insert") {
        const balance: bigint = change.new.balance;
        void balance;
        // @ts-expect-error an insert has no old value
        change.old.balance;
      }
      if (change.type === "remove") {
        const old: InferAtom<typeof Account> = change.old;
        // @ts-expect-error a remove has no new value
        change.new.balance;
        void old;
      }
      // @ts-expect-error an account's key has no name
      change.key.name;
      void tenant;
    } else {
      const atom: "counter" = change.atom;
      const n: number | undefined = change.new?.n;
      void atom;
      void n;
    }
  }
}

export function unregistered() {
  // @ts-expect-error Note is not registered with the store
  store.changes({ atoms: [Note] });
}

export function lambda(record: Parameters<typeof decodeStreamRecord>[0]) {
  const change = decodeStreamRecord(record, [Account, Note]);
  if (change?.atom === "note") {
    const text: string | undefined = change.new?.text;
    void text;
  }
  const typed: Change<typeof Note> | Change<typeof Account> | undefined = change;
  void typed;
}

export function remote() {
  const acct = store.atom(Account, { tenant: "t", id: "a" });
  const stop = acct.watchRemote((old, next) => {
    const before: bigint | undefined = old?.balance;
    const after: bigint | undefined = next?.balance;
    void before;
    void after;
  });
  const ready: Promise<void> = stop.ready;
  const stopped: Promise<void> = stop();
  void ready;
  void stopped;
}
