/**
 * Atoms declared in schema files (atoms/*.atom.yaml, *.atom.json) and generated into
 * atoms.gen.ts by `npx dynatom codegen atoms --out atoms.gen.ts`: the generated module is used
 * like hand-written definitions, typed end to end, and its constraints hold at every write.
 * Runs on the embedded DynamoDB Local unless DYNATOM_ENDPOINT says otherwise.
 */
import { createStore, isDynatomError } from "dynatom";
import { Lease, User } from "./atoms.gen.js";

const store = createStore({
  table: process.env.DYNATOM_TABLE ?? "dynatom-codegen",
  atoms: [User, Lease],
  endpoint: process.env.DYNATOM_ENDPOINT ?? "embedded",
});

try {
  await store.ensureTable();
  const users: User[] = [
    {
      org: "acme",
      id: "u1",
      email: "ada@acme.io",
      plan: "pro",
      seats: 12,
      joined: new Date("2026-03-01"),
      tags: new Set(["admin"]),
    },
    {
      org: "acme",
      id: "u2",
      email: "bob@acme.io",
      plan: "free",
      seats: 1,
      joined: new Date("2026-05-17"),
      tags: new Set(),
    },
    {
      org: "acme",
      id: "u3",
      email: "cy@acme.io",
      plan: "free",
      seats: 1,
      joined: new Date("2026-09-09"),
      tags: new Set(["beta"]),
    },
  ];
  const [first] = users as [User, ...User[]];
  await store.putItems(User, users);

  // The indexes declared in user.atom.yaml are typed query methods.
  const { items: byEmail } = await store.query(User).byEmail({ email: "bob@acme.io" }).go();
  console.log(`byEmail bob@acme.io → ${byEmail.map((u) => `${u.org}/${u.id}`).join(", ")}`);
  const { items: recent } = await store
    .query(User)
    .byJoined({ org: "acme" })
    .gte({ joined: new Date("2026-05-01") })
    .go();
  console.log(`joined since May → ${recent.map((u) => u.id).join(", ")}`);

  // A swap on a generated atom: the value is a User, the constraints (seats ≤ 500) hold.
  const ada = store.atom(User, { org: "acme", id: "u1" }, { init: first });
  const upgraded = await ada.swap((u) => ({ ...u, seats: u.seats + 8 }));
  console.log(`ada has ${upgraded.seats} seats`);
  try {
    await ada.swap((u) => ({ ...u, seats: 1_000 }));
  } catch (err) {
    if (!isDynatomError(err, "schema.invalid-value")) throw err;
    console.log(`seats: 1000 refused (${err.code}); ada still has ${(await ada.deref()).seats}`);
  }

  // A lease (lease.atom.json): taken only while free or expired, by compare-and-set.
  const lease = store.atom(
    Lease,
    { resource: "nightly-report" },
    {
      init: { resource: "nightly-report", holder: null, until: new Date(0), renewals: 0 },
    },
  );
  const now = new Date();
  const taken = await lease.swap((l) =>
    l.holder === null || l.until < now
      ? {
          ...l,
          holder: "worker-1",
          until: new Date(now.getTime() + 60_000),
          renewals: l.renewals + 1,
        }
      : l,
  );
  console.log(`lease nightly-report held by ${taken.holder} (renewals ${taken.renewals})`);
} finally {
  await store.close();
}
