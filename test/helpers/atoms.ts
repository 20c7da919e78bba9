import { defineAtom } from "dynatom";
import * as v from "valibot";

/** The atom of the API's examples: keys, three indexes, and rich fields. */
export const Account = defineAtom({
  name: "account",
  version: 1,
  schema: v.object({
    tenant: v.string(),
    id: v.string(),
    email: v.pipe(v.string(), v.email()),
    balance: v.bigint(),
    createdAt: v.date(),
    score: v.number(),
    tags: v.set(v.string()),
    prefs: v.map(v.string(), v.unknown()),
    avatar: v.optional(v.instance(Uint8Array)),
  }),
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: {
    byEmail: { pk: ["email"] },
    byTenantCreated: { pk: ["tenant"], sk: ["createdAt"] },
    byScore: { pk: ["tenant"], sk: ["score"] },
  },
});

/** A plain counter, keyed by name alone. */
export const Counter = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
});

/** A register for linearizability tests: `v` holds a value written once, e.g. `"2-17"`. */
export const Register = defineAtom({
  name: "register",
  version: 1,
  schema: v.object({ name: v.string(), v: v.string() }),
  key: ["name"],
});

/** Version 1 of a person: first and last names. Tests define their own version 2. */
export const PersonV1 = defineAtom({
  name: "person",
  version: 1,
  schema: v.object({ tenant: v.string(), id: v.string(), first: v.string(), last: v.string() }),
  key: { pk: ["tenant"], sk: ["id"] },
});
