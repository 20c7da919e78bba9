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

test("every lease is mine, free or another live reader's; present readers count in the share", (t) => {
  fc.assert(
    fc.property(fc.array(leaseArb, { maxLength: 12 }), (specs) => {
      const leases: Lease[] = specs.map(({ dead: _, ...lease }) => lease);
      const dead = new Set(specs.flatMap((s, i) => (s.dead ? [i] : [])));
      const isDead = (lease: Lease) => dead.has(leases.indexOf(lease));
      const { share, mine, free } = balance(leases, "me", isDead, ["idle"]);
      const readers = new Set(["me", "idle"]);
      for (const lease of leases) {
        if (lease.holder !== undefined && !isDead(lease)) readers.add(readerOf(lease.holder));
      }
      if (share !== Math.ceil(leases.length / readers.size)) return false;
      if (mine.some((l) => l.holder === undefined || readerOf(l.holder) !== "me" || isDead(l))) {
        return false;
      }
      if (free.some((l) => l.holder !== undefined && !isDead(l))) return false;
      return true;
    }),
  );
  t.pass();
});

test("a reader that holds nothing yet, but is present, halves the share of two free shards", (t) => {
  const lease = (shard: string): Lease => ({
    shard,
    holder: undefined,
    counter: 0,
    checkpoint: "TRIM_HORIZON",
  });
  const alone = balance([lease("x"), lease("y")], "a", () => false);
  t.is(alone.share, 2);
  const beside = balance([lease("x"), lease("y")], "a", () => false, ["b"]);
  t.is(beside.share, 1);
  t.is(beside.free.length, 2);
});
