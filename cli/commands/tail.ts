import { Feed } from "../../src/changes/feed.js";
import type { Change } from "../../src/index.js";
import { parse } from "../args.js";
import { pickAtom } from "../atoms.js";
import type { Command } from "../command.js";
import { connect, TABLE_HELP, TABLE_OPTIONS } from "../connect.js";
import { badInput, EXIT } from "../failure.js";
import { write } from "../io.js";

/**
 * A decoded value as JSON: bigints as digit strings, Dates as ISO strings, Maps as objects of
 * their entries, Sets as arrays, bytes as base64.
 */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}

/** One change as a JSON line (with its newline). */
export function changeLine(change: Change): string {
  const { atom, type, key, old, sequence, at } = change;
  return `${JSON.stringify({ atom, type, key, old, new: change.new, sequence, at }, jsonValue)}\n`;
}

export const tail: Command = {
  summary: "the change feed, decoded, one JSON line per change",
  help: `Usage: dynatom tail <atom…> --table T --atoms PATH [--from latest|trim-horizon] [--group G]

Follows the table's change feed (DynamoDB Streams) and prints each change to atoms of the types
named, decoded, as one JSON line: {"atom","type","key","old","new","sequence","at"}. Bigints
print as digit strings, Dates as ISO strings, Maps as objects, Sets as arrays, bytes as base64.
Runs until Ctrl-C. With --group, the group's checkpoints are kept in the table: a later tail of
the same group goes on after the last change printed.

  dynatom tail account counter --table app --atoms atoms/ --from trim-horizon

Options:
${TABLE_HELP}
  --from F          latest (default) or trim-horizon: where to start without a checkpoint
  --group G         keep checkpoints under this group name, shared with its other readers
  -h, --help        this help

Exit codes: 0 stopped by Ctrl-C, 1 the feed failed (a request, an image that cannot be
decoded), 2 bad input.`,
  async run(argv, io) {
    const { values, positionals } = parse("tail", argv, {
      ...TABLE_OPTIONS,
      from: { type: "string" },
      group: { type: "string" },
    });
    if (positionals.length === 0) throw badInput("dynatom tail needs the atom types to follow");
    const from = values.from ?? "latest";
    if (from !== "latest" && from !== "trim-horizon") {
      throw badInput(`--from ${from}: use latest or trim-horizon`);
    }
    const connection = await connect("tail", values, io);
    try {
      const atoms = positionals.map((name) => pickAtom(connection.atoms, name));
      const feed = new Feed<Change>(connection.core, {
        atoms,
        from,
        signal: io.signal,
        ...(values.group === undefined ? {} : { group: values.group }),
      });
      // Ctrl-C also ends a wait for a reader that stopped reading our output.
      const stopped = new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        io.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      for await (const change of feed) {
        await Promise.race([write(io.stdout, changeLine(change)), stopped]);
        if (io.signal.aborted) break;
      }
      return EXIT.ok;
    } finally {
      await connection.close();
    }
  },
};
