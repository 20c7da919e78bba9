// A client of the user's keeps its logger: a logger that records gets every dynatom request, as
// with the SDK alone. For one that discards everything (the SDK's default, `NoOpLogger`) the SDK
// makes no per-request copy of the input and answer, which costs a batch of items ~10%.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { Counter } from "../helpers/atoms.js";
import { useTestTable } from "../helpers/table.js";

const db = useTestTable(test);

/** A logger whose `info` counts the log entries the SDK makes of each answered request. */
function counting(kind: "recorder" | "no-op") {
  const entries: { commandName?: string; input?: unknown }[] = [];
  const methods = {
    info: (entry: { commandName?: string; input?: unknown }) => entries.push(entry),
    debug: () => {},
    warn: () => {},
    error: () => {},
  };
  // The SDK's default logger is recognised by its class name, as the SDK itself does.
  class NoOpLogger {
    info = methods.info;
    debug = methods.debug;
    warn = methods.warn;
    error = methods.error;
  }
  return { logger: kind === "no-op" ? new NoOpLogger() : methods, entries };
}

async function swapTwice(logger: object): Promise<void> {
  const { endpoint, table } = db();
  const client = new DynamoDBClient({ ...localClientConfig(endpoint), logger: logger as never });
  try {
    const store = createStore({ table, atoms: [Counter], client });
    const name = `logged-${Math.random()}`;
    const atom = store.atom(Counter, { name }, { init: { name, n: 0 } });
    await atom.swap((c) => ({ ...c, n: c.n + 1 }));
    await atom.swap((c) => ({ ...c, n: c.n + 1 }));
    await atom.deref();
  } finally {
    client.destroy();
  }
}

test("a logger of the user's gets every request dynatom sends through their client", async (t) => {
  const { logger, entries } = counting("recorder");
  await swapTwice(logger);
  const commands = entries.map((entry) => entry.commandName);
  t.true(commands.includes("PutItemCommand"), commands.join(", "));
  t.true(commands.includes("GetItemCommand"), commands.join(", "));
  t.true(
    entries.every((entry) => typeof entry.input === "object"),
    "each with its request",
  );
});

test("the SDK's default logger, which discards them, is not handed the requests' copies", async (t) => {
  const { logger, entries } = counting("no-op");
  await swapTwice(logger);
  t.true(entries.length >= 3, "the logger itself is left in place");
  t.deepEqual(
    entries.filter((entry) => typeof entry.input !== "string"),
    [],
    "no request was copied for it",
  );
});
