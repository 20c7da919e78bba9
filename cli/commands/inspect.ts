import { inspect as show } from "node:util";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { isDynatomError, toDynamoJson } from "../../src/index.js";
import { getAtom } from "../../src/requests/atom.js";
import { atomVersionOf, schemaVersionOf } from "../../src/schema/bookkeeping.js";
import { formatKey } from "../../src/schema/keys.js";
import { parse } from "../args.js";
import { pickAtom } from "../atoms.js";
import type { Command } from "../command.js";
import { connect, TABLE_HELP, TABLE_OPTIONS } from "../connect.js";
import { badInput, EXIT, failed } from "../failure.js";
import { keyFromArgs } from "../key-args.js";

/** The value's fields in the order the schema declares them (an item keeps no order). */
function inSchemaOrder(schema: unknown, value: unknown): unknown {
  const entries = (schema as { entries?: unknown }).entries;
  if (
    typeof entries !== "object" ||
    entries === null ||
    typeof value !== "object" ||
    value === null
  ) {
    return value;
  }
  const record = value as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const name of [...Object.keys(entries), ...Object.keys(record)]) {
    if (Object.hasOwn(record, name) && !Object.hasOwn(ordered, name)) ordered[name] = record[name];
  }
  return ordered;
}

export const inspect: Command = {
  summary: "one atom: its decoded value and its stored item, side by side",
  help: `Usage: dynatom inspect <atom> <key-field=value…> --table T --atoms PATH [--endpoint E]

Reads one atom (strongly consistent) and prints its value as your code sees it (Dates, bigints,
Maps, Sets…) and the item as DynamoDB stores it (DynamoDB JSON, as the console shows it).
Key values are converted to the field's type: numbers, bigints, ISO dates, true/false.

  dynatom inspect account tenant=t1 id=a1 --table app --atoms atoms/

Options:
${TABLE_HELP}
  -h, --help        this help

Exit codes: 0 shown, 1 no such item or it cannot be decoded (the item is still shown), 2 bad input.`,
  async run(argv, io) {
    const { values, positionals } = parse("inspect", argv, TABLE_OPTIONS);
    const [name, ...keyArgs] = positionals;
    if (name === undefined) throw badInput("dynatom inspect needs an atom type and its key");
    const connection = await connect("inspect", values, io);
    try {
      const definition = pickAtom(connection.atoms, name);
      const fields = keyFromArgs(definition, keyArgs);
      let key: ReturnType<typeof definition.keyOf>;
      try {
        key = definition.keyOf(fields as never);
      } catch (err) {
        throw badInput((err as Error).message);
      }
      const { core } = connection;
      const answer = await core.executor.read(
        () => new GetItemCommand(getAtom(core.table, key)),
        core.retry,
      );
      const heading = `${definition.name} ${formatKey(fields)} in ${core.table}`;
      const item = answer.Item;
      if (item === undefined) throw failed(`${heading}: no such item`);
      const owner = { name: definition.name, key: definition.key };
      const versions = `version ${atomVersionOf(owner, item)}, schema version ${schemaVersionOf(owner, item) ?? "none"}`;
      let value: string;
      let problem: string | undefined;
      try {
        value = show(inSchemaOrder(definition.schema, definition.decode(item)), {
          depth: null,
          colors: io.stdout.isTTY === true,
        });
      } catch (err) {
        problem = isDynatomError(err) ? `[${err.code}] ${err.message}` : (err as Error).message;
        value = `(cannot be decoded: ${problem})`;
      }
      io.stdout.write(
        `${heading}: ${versions}\n\nvalue:\n${value}\n\nitem (DynamoDB JSON):\n${toDynamoJson(item)}\n`,
      );
      if (problem !== undefined) throw failed(`the item cannot be decoded: ${problem}`);
      return EXIT.ok;
    } finally {
      await connection.close();
    }
  },
};
