// Type tests for schemas that transform: writes take the schema's input, reads give its output,
// and a swap function says what it may return. Lines under @ts-expect-error must not compile.
import {
  type AtomDefinition,
  createStore,
  defineAtom,
  type InferAtom,
  type InferAtomInput,
} from "dynatom";
import * as v from "valibot";
import { Counter } from "../helpers/atoms.js";

const Event = defineAtom({
  name: "event",
  version: 1,
  schema: v.object({
    id: v.string(),
    n: v.number(),
    at: v.pipe(
      v.string(),
      v.isoTimestamp(),
      v.transform((s) => new Date(s)),
    ),
    until: v.pipe(v.string(), v.isoTimestamp(), v.toDate()),
  }),
  key: ["id"],
});

type Output = InferAtom<typeof Event>;
type Input = InferAtomInput<typeof Event>;
const isDate: Date = ({} as Output).at;
const isString: string = ({} as Input).at;
void [isDate, isString];
// @ts-expect-error: the output's `at` is a Date
const notString: string = ({} as Output).at;
void notString;
// A schema without transforms has one type for both.
const same: InferAtomInput<typeof Counter> = {} as InferAtom<typeof Counter>;
void same;

const store = createStore({ table: "app", atoms: [Event, Counter] });
declare const input: Input;
declare const output: Output;

async function writesTakeTheInput() {
  const event = store.atom(Event, { id: "e" });
  const stored: Output = await event.reset(input);
  const [old, next]: [Output | undefined, Output] = await event.resetVals(input);
  void [stored, old, next];
  // @ts-expect-error: a write takes the input: `at` is an ISO string, not a Date
  await event.reset(output);
  // @ts-expect-error: the value read is the output
  const read: Input | undefined = await event.deref();
  void read;
  await event.compareAndSet(output, input);
  // @ts-expect-error: compareAndSet compares with the output it read
  await event.compareAndSet(input, input);
  // @ts-expect-error: and writes an input
  await event.compareAndSet(output, output);
  await store.putItems(Event, [input]);
  // @ts-expect-error: putItems takes inputs
  await store.putItems(Event, [output]);
  const [put] = await store.transact((tx) => [tx.put(Event, input)]);
  const putOutput: Output = put;
  void putOutput;
  // @ts-expect-error: a transaction's put takes an input
  await store.transact((tx) => [tx.put(Event, output)]);
  const encoded = Event.encode(input);
  const decoded: Output = Event.decode(encoded);
  void decoded;
}
void writesTakeTheInput;

async function swapsReturnInputOrOutput() {
  const event = store.atom(Event, { id: "e" }, { init: output });
  // The value it was given, unchanged or partly replaced by inputs, field by field.
  const same: Output = await event.swap((e) => e);
  const spread: Output = await event.swap((e) => ({ ...e, n: e.n + 1 }));
  const newAt: Output = await event.swap((e) => ({ ...e, at: "2027-01-01T00:00:00.000Z" }));
  const whole: Output = await event.swap(() => input);
  void [same, spread, newAt, whole];
  // @ts-expect-error: a field is the input or the output, nothing else
  await event.swap((e) => ({ ...e, at: 1 }));
  // @ts-expect-error: the function gets the output: no string methods on a Date
  await event.swap((e) => ({ ...e, at: e.at.toUpperCase() }));
  const [swapped] = await store.transact((tx) => [
    tx.swap(event, (e) => ({ ...e, until: "2027-01-01T00:00:00.000Z" })),
  ]);
  const swappedOutput: Output = swapped;
  void swappedOutput;
  await store.transact((tx) => [
    // @ts-expect-error: a transaction's swap is typed the same way
    tx.swap(event, (e) => ({ ...e, until: 1 })),
  ]);
  const checked = await store.transact((tx) => [tx.check(event, (e) => e.n > 0)]);
  void checked;
  const maybe = store.atom(Event, { id: "e" });
  await maybe.swap((e) => e ?? input);
}
void swapsReturnInputOrOutput;

/** A generic helper over any definition still compiles. */
function nameOf(definition: AtomDefinition): string {
  return definition.name;
}
nameOf(Event);
