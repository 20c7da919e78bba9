// The group's lease balancing, as a pure decision: what a reader should hold, what is free, and
// whose surplus it may take.
import test from "ava";
import fc from "fast-check";
import { balance, readerOf } from "../../src/changes/balance.js";
import type { Lease } from "../../src/requests/leases.js";

const leaseArb = fc.record({
  shard: fc.string({ minLength: 1, maxLength: 4 }),
  holder: fc.option(
    fc.tuple(fc.constantFrom("a", "b", "c", "me"), fc.nat(9)).map(([r, n]) => `${r}.${n}`),
    { nil: undefined },
  ),
  counter: fc.nat(5),
  checkpoint: fc.constant("TRIM_HORIZON"),
  dead: fc.boolean(),
});

test("every lease is mine, free or another live reader's; a surplus is over the share", (t) => {
  fc.assert(
    fc.property(fc.array(leaseArb, { maxLength: 12 }), (specs) => {
      const leases: Lease[] = specs.map(({ dead: _, ...lease }) => lease);
      const dead = new Set(specs.flatMap((s, i) => (s.dead ? [i] : [])));
      const isDead = (lease: Lease) => dead.has(leases.indexOf(lease));
      const { share, mine, free, surplus } = balance(leases, "me", isDead);
      const readers = new Set(["me"]);
      for (const lease of leases) {
        if (lease.holder !== undefined && !isDead(lease)) readers.add(readerOf(lease.holder));
      }
      if (share !== Math.ceil(leases.length / readers.size)) return false;
      if (mine.some((l) => l.holder === undefined || readerOf(l.holder) !== "me" || isDead(l))) {
        return false;
      }
      if (free.some((l) => l.holder !== undefined && !isDead(l))) return false;
      const owner = surplus[0]?.holder;
      if (owner !== undefined) {
        if (readerOf(owner) === "me" || surplus.length <= share) return false;
        if (surplus.some((l) => l.holder === undefined || readerOf(l.holder) !== readerOf(owner))) {
          return false;
        }
      }
      return true;
    }),
  );
  t.pass();
});

test("two readers and two shards held by one: the other may take one, and then none", (t) => {
  const lease = (shard: string, holder: string): Lease => ({
    shard,
    holder,
    counter: 1,
    checkpoint: "TRIM_HORIZON",
  });
  const before = balance([lease("x", "a.1"), lease("y", "a.2")], "b", () => false);
  t.is(before.share, 1);
  t.is(before.surplus.length, 2);
  const after = balance([lease("x", "a.1"), lease("y", "b.1")], "b", () => false);
  t.is(after.mine.length, 1);
  t.is(after.surplus.length, 0);
});
