/**
 * An inventory on the entity side: a shop's products listed by the table's own key, stock taken
 * by updates without a read (never below zero, exactly once), low stock found by a filter, and
 * reservations that expire by themselves (TTL).
 * Runs on the embedded DynamoDB Local unless DYNATOM_ENDPOINT says otherwise.
 */
import { createStore, defineAtom, isDynatomError } from "dynatom";
import * as v from "valibot";

const Product = defineAtom({
  name: "product",
  version: 1,
  schema: v.object({
    shop: v.string(),
    sku: v.string(),
    title: v.string(),
    stock: v.number(),
    tags: v.set(v.string()),
  }),
  key: { pk: ["shop"], sk: ["sku"] },
});

const Reservation = defineAtom({
  name: "reservation",
  version: 1,
  schema: v.object({ sku: v.string(), cart: v.string(), until: v.date() }),
  key: { pk: ["sku"], sk: ["cart"] },
  ttl: "until",
});

const store = createStore({
  table: process.env.DYNATOM_TABLE ?? "dynatom-inventory",
  atoms: [Product, Reservation],
  endpoint: process.env.DYNATOM_ENDPOINT ?? "embedded",
});

try {
  await store.ensureTable();
  await store.putItems(
    Product,
    Array.from({ length: 12 }, (_, i) => ({
      shop: "s1",
      sku: `sku-${String(i).padStart(2, "0")}`,
      title: `product ${i}`,
      stock: (i * 7) % 10,
      tags: new Set(i % 3 === 0 ? ["sale"] : ["new"]),
    })),
  );

  // A shop's products: the table's own key, no index needed.
  const all = await store.query(Product).primary({ shop: "s1" }).count({ consistent: true });
  console.log(`products in shop s1: ${all}`);

  // Taking stock: one UpdateItem each, refused where it would go below zero.
  const sku = { shop: "s1", sku: "sku-07" };
  const take = (n: number) =>
    store
      .update(Product, sku)
      .add({ stock: -n })
      .where((p, { gte }) => gte(p.stock, n))
      .go();
  const after = await take(1);
  console.log(`sku-07 after taking 1: stock ${after.stock}`);
  const results = await Promise.allSettled(Array.from({ length: 12 }, () => take(1)));
  const sold = results.filter((r) => r.status === "fulfilled").length;
  const refused = results.filter(
    (r) => r.status === "rejected" && isDynatomError(r.reason, "update.condition-failed"),
  ).length;
  console.log(`12 buyers at once: ${sold} sold, ${refused} refused (update.condition-failed)`);
  const left = await store.atom(Product, sku).deref();
  console.log(`sku-07 stock now: ${left?.stock} (never below zero)`);

  // Low stock on sale: a filter, with limit counting matches.
  const low = await store
    .query(Product)
    .primary({ shop: "s1" })
    .where((p, { and, lt, contains }) => and(lt(p.stock, 3), contains(p.tags, "sale")))
    .select(["sku", "stock"])
    .go({ limit: 5 });
  console.log(`low stock on sale: ${low.items.map((p) => `${p.sku} (${p.stock})`).join(", ")}`);

  // A reservation that has run out is absent at once (DynamoDB deletes it later).
  const cart = { sku: "sku-05", cart: "c1" };
  await store
    .update(Reservation, cart)
    .set({ until: new Date(Date.now() - 1000) })
    .upsert()
    .go();
  const held = await store.atom(Reservation, cart).deref();
  console.log(`an expired reservation reads as: ${held === undefined ? "absent" : "present"}`);
  const taken = await store
    .update(Reservation, cart)
    .set({ until: new Date(Date.now() + 15 * 60_000) })
    .upsert()
    .go();
  console.log(`taken again until ${taken.until.toISOString().slice(11, 19)} UTC`);
} finally {
  await store.close();
}
