/**
 * Accounts in bulk, found by their indexes, and moved between atomically: `putItems`, typed
 * range queries with cursors, `findItems`, and a transfer as one transaction of two swaps.
 * Runs on the embedded DynamoDB Local unless DYNATOM_ENDPOINT says otherwise.
 */
import { createStore, defineAtom, type InferAtom } from "dynatom";
import * as v from "valibot";

const Account = defineAtom({
  name: "account",
  version: 1,
  schema: v.object({
    tenant: v.string(),
    id: v.string(),
    email: v.pipe(v.string(), v.email()),
    balance: v.bigint(),
    createdAt: v.date(),
    score: v.number(),
  }),
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: {
    byEmail: { pk: ["email"] },
    byTenantCreated: { pk: ["tenant"], sk: ["createdAt"] },
    byScore: { pk: ["tenant"], sk: ["score"] },
  },
});
type Account = InferAtom<typeof Account>;

const store = createStore({
  table: process.env.DYNATOM_TABLE ?? "dynatom-ledger",
  atoms: [Account],
  endpoint: process.env.DYNATOM_ENDPOINT ?? "embedded",
});
const show = (a: Account) => `${a.id} score ${a.score} balance ${a.balance}`;

try {
  await store.ensureTable();

  // 1,000 accounts in two tenants, with negative, fractional and repeated scores.
  const accounts: Account[] = Array.from({ length: 1_000 }, (_, i) => ({
    tenant: i % 2 === 0 ? "t1" : "t2",
    id: `a${String(i).padStart(4, "0")}`,
    email: `user${i}@example.com`,
    balance: 1_000n * BigInt(i % 7),
    createdAt: new Date(Date.UTC(2025, 0, 1) + i * 12 * 3_600_000),
    score: ((i * 37) % 41) - 20 + (i % 4) / 4,
  }));
  let reported = 0;
  await store.putItems(Account, accounts, {
    concurrency: 4,
    onProgress: ({ done, total }) => {
      if (done - reported >= 250 || done === total) {
        console.log(`putItems: ${done} of ${total} written`);
        reported = done;
      }
    },
  });

  const byScore = store.query(Account).byScore({ tenant: "t1" });
  const top = await byScore.go({ limit: 3, order: "desc" });
  console.log(`top 3 scores in t1: ${top.items.map(show).join("; ")}`);
  const band = await byScore.between({ score: -0.5 }, { score: 0.5 }).go();
  console.log(
    `t1 scores in [-0.5, 0.5]: ${band.items.length} accounts, ${[...new Set(band.items.map((a) => a.score))].join(", ")}`,
  );

  // Accounts created since March 2026, newest first, 50 per page.
  let pages = 0;
  let count = 0;
  let newest: Date | undefined;
  for await (const page of store
    .query(Account)
    .byTenantCreated({ tenant: "t2" })
    .gte({ createdAt: new Date("2026-03-01") })
    .pages({ limit: 50, order: "desc" })) {
    pages++;
    count += page.items.length;
    newest ??= page.items[0]?.createdAt;
  }
  console.log(
    `t2 created since 2026-03-01: ${count} accounts in ${pages} pages, newest ${newest?.toISOString()}`,
  );

  const [ada] = (await store.query(Account).byEmail({ email: "user42@example.com" }).go()).items;
  console.log(`byEmail user42@example.com: ${ada ? show(ada) : "none"}`);

  const keys = [
    { tenant: "t1", id: "a0002" },
    { tenant: "t1", id: "nobody" },
    { tenant: "t1", id: "a0002" },
    { tenant: "t2", id: "a0003" },
  ];
  const found = await store.findItems(Account, keys);
  console.log(`findItems: ${found.map((a) => (a ? a.id : "undefined")).join(", ")}`);

  // A transfer: both balances change, or neither. A swap function may throw to call it off.
  const from = store.atom(Account, { tenant: "t1", id: "a0002" });
  const to = store.atom(Account, { tenant: "t1", id: "a0004" });
  const transfer = (amount: bigint) =>
    store.transact((tx) => [
      tx.swap(from, (a) => {
        if (a === undefined || a.balance < amount)
          throw new Error(`insufficient funds for ${amount}`);
        return { ...a, balance: a.balance - amount };
      }),
      tx.swap(to, (a) => ({ ...(a as Account), balance: (a as Account).balance + amount })),
      tx.check(store.atom(Account, { tenant: "t1", id: "a0000" }), (a) => a !== undefined),
    ]);
  const [paid, received] = await transfer(1_500n);
  console.log(`transfer 1500: a0002 now ${paid.balance}, a0004 now ${received.balance}`);
  await transfer(1_000_000n).catch((err: Error) => console.log(`transfer 1000000: ${err.message}`));
  await store.deleteItems(Account, [{ tenant: "t1", id: "a0000" }]);
  await transfer(1n).catch((err: Error) => console.log(`transfer 1: ${err.message}`));

  await store.deleteItems(Account, accounts);
  const left = await store.query(Account).byScore({ tenant: "t1" }).go({ limit: 1 });
  console.log(
    `deleteItems: ${left.items.length === 0 ? "every account is gone" : "some are left"}`,
  );
} finally {
  await store.close();
}
