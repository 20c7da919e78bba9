import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { type Restore, restoreItems } from "../../src/batch/write.js";
import type { Item } from "../../src/encoding/item.js";
import { isDynatomError } from "../../src/errors/index.js";
import {
  ATOM_VERSION_ATTRIBUTE,
  atomVersionOf,
  parseWriteIds,
  WRITE_IDS_ATTRIBUTE,
} from "../../src/schema/bookkeeping.js";
import { pickKeyFields, tableKeyId } from "../../src/schema/keys.js";
import type { AtomDefinition } from "../../src/schema/types.js";
import { integer, parse } from "../args.js";
import { pickAtom } from "../atoms.js";
import { Checkpoint } from "../checkpoint.js";
import type { Command } from "../command.js";
import { connect, TABLE_HELP, TABLE_OPTIONS } from "../connect.js";
import { checkHeader, LineError, parseItemLine } from "../export-format.js";
import { badInput, EXIT, failed } from "../failure.js";
import { startProgress } from "../progress.js";

/** What `FILE.dynatom-import` records after each chunk DynamoDB acknowledged. */
interface ImportState {
  readonly table: string;
  readonly atom: string;
  /** FILE's size when the import began: a changed file is not resumed. */
  readonly size: number;
  /** Lines of FILE fully written (the header included); a rerun skips them. */
  readonly lines: number;
}

/** The suffix of the checkpoint beside the imported file. */
export const IMPORT_CHECKPOINT = ".dynatom-import";

/** Lines read, decoded and written together; the checkpoint moves by whole chunks. */
const CHUNK_LINES = 1_000;

export const importCommand: Command = {
  summary: "JSON Lines from dynatom export → items in a table (resumable)",
  help: `Usage: dynatom import <atom> FILE --table T --atoms PATH [--endpoint E] [--concurrency N]

Writes the items of an export file (dynatom export) into the table. Each line is decoded with
the atom type (validated; items of older schema versions migrated) and written again with its
keys, index keys and bookkeeping, its version (_ver) and write ids (_writes) kept: export then
import into an empty table gives identical items. Lines are read as a stream and written in
chunks of ${CHUNK_LINES} (25 items a request, unprocessed items sent again with backoff). When
two lines have the same key, the later one wins.

Import writes blind, like putItems: it overwrites what the table holds under the same keys and
sends a write again when an answer is lost. Import into an empty table, or one nobody writes to
meanwhile.

FILE.dynatom-import records after each chunk how many lines are written: after a failure or
Ctrl-C, run the same command again and it skips them; it is removed when the import is done.
Progress goes to stderr (a bar on a terminal, plain lines otherwise).

Options:
${TABLE_HELP}
  --concurrency N   requests in flight at once (default 4, like putItems)
  -h, --help        this help

Exit codes: 0 imported, 1 a request failed or Ctrl-C (run it again to resume), 2 bad input
(arguments, --atoms, a header for another atom or format, a line that is not JSON or does not
decode, as FILE:LINE: reason; nothing from that line on is written).`,
  async run(argv, io) {
    const { values, positionals } = parse("import", argv, {
      ...TABLE_OPTIONS,
      concurrency: { type: "string" },
    });
    const [name, file, ...extra] = positionals;
    if (name === undefined || file === undefined || extra.length > 0) {
      throw badInput(
        "dynatom import takes an atom type and a file, e.g. dynatom import account account.jsonl --table T --atoms atoms",
      );
    }
    const concurrency = integer("concurrency", values.concurrency, { min: 1, max: 64 }) ?? 4;
    const path = resolve(io.cwd, file);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) throw badInput(`${file}: no such file`);
    const connection = await connect("import", values, io);
    try {
      const definition = pickAtom(connection.atoms, name);
      const table = connection.core.table;
      const checkpoint = new Checkpoint<ImportState>(`${path}${IMPORT_CHECKPOINT}`);
      const saved = await checkpoint.load();
      if (
        saved !== undefined &&
        (saved.table !== table || saved.atom !== definition.name || saved.size !== info.size)
      ) {
        throw badInput(
          `${file}${IMPORT_CHECKPOINT} records an import of "${saved.atom}" into table "${saved.table}" ` +
            `from a file of ${saved.size} bytes (this one: "${definition.name}", "${table}", ` +
            `${info.size} bytes): finish that one, or delete the checkpoint to start over`,
        );
      }
      const total = Math.max(0, (await countLines(path)) - 1);
      const label = `import ${definition.name}`;
      const skip = saved?.lines ?? 1;
      const progress = startProgress(io, label, "lines", total, skip - 1);
      const began = Date.now();
      const state = { table, atom: definition.name, size: info.size };
      let done = skip;
      let chunk = new Map<string, Restore>();
      let chunkEnd = 0;
      let writing: Promise<{ end: number; error?: unknown }> | undefined;

      /** Waits for the chunk in flight and records it; a failure ends the import. */
      const settle = async () => {
        if (writing === undefined) return;
        const result = await writing;
        writing = undefined;
        if (result.error !== undefined) {
          const err = result.error;
          const hint = ` ${done - 1} of ${total} lines are written: run the same command again to resume.`;
          if (isDynatomError(err)) err.message += hint;
          throw err;
        }
        done = result.end;
        await checkpoint.save({ ...state, lines: done });
        progress.update(done - 1);
      };
      const interrupted = () => {
        progress.finish(`${label}: interrupted after ${done - 1} of ${total} lines`);
        return failed(
          `interrupted after ${done - 1} of ${total} lines; run the same command again to resume (${file}${IMPORT_CHECKPOINT})`,
        );
      };
      // The next chunk is read and decoded while this one is written; chunks are written one
      // after another, so a later line with the same key as an earlier one wins.
      const launch = async () => {
        await settle();
        if (io.signal.aborted) throw interrupted();
        if (chunk.size === 0) return;
        const items = [...chunk.values()];
        const end = chunkEnd;
        chunk = new Map();
        writing = restoreItems(connection.core, definition, items, { concurrency }).then(
          () => ({ end }),
          (error: unknown) => ({ end, error }),
        );
      };

      const input = createReadStream(path, { encoding: "utf8" });
      const lines = createInterface({
        input,
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      let number = 0;
      try {
        for await (const text of lines) {
          number++;
          if (number === 1) {
            guard(file, 1, () => checkHeader(text, definition.name));
            continue;
          }
          chunkEnd = number;
          if (number <= skip || text.trim() === "") continue;
          const restore = guard(file, number, () => restoreOf(definition, text));
          chunk.set(tableKeyId(restore.item), restore);
          if (chunk.size >= CHUNK_LINES) await launch();
        }
        if (number === 0) throw badInput(`${file}:1: empty: not a dynatom export`);
      } catch (err) {
        // What came before the bad line is written; a rerun after a fix starts over, which
        // puts the same items again.
        if (writing !== undefined) await settle().catch(() => undefined);
        if (err instanceof LineFailure) {
          await checkpoint.remove();
          throw badInput(err.message);
        }
        throw err;
      } finally {
        lines.close();
        input.destroy();
      }
      await launch();
      await settle();
      await checkpoint.remove();
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      progress.finish(`${label}: ${total} lines from ${file} into ${table} in ${seconds} s`);
      return EXIT.ok;
    } finally {
      await connection.close();
    }
  },
};

/** A line that cannot be imported: `FILE:LINE: reason`. */
class LineFailure extends Error {}

function guard<T>(file: string, line: number, step: () => T): T {
  try {
    return step();
  } catch (err) {
    const reason = err instanceof LineError ? err.reason : (err as Error).message;
    throw new LineFailure(`${file}:${line}: ${reason}`);
  }
}

/**
 * The item to write for one line: decoded (validated, migrated), encoded again in the current
 * schema version, with the line's atom version and write ids.
 */
function restoreOf(definition: AtomDefinition, text: string): Restore {
  const stored = parseItemLine(text);
  const value = definition.decode(stored);
  const { item } = definition.prepare(value, value);
  // Read to check it: a version that is not a whole number would make every later swap conflict.
  atomVersionOf(definition, stored);
  copy(stored, item, ATOM_VERSION_ATTRIBUTE);
  // Either form, copied as it is: a later swap's condition tests the form the item holds.
  const writes = stored[WRITE_IDS_ATTRIBUTE];
  if (writes !== undefined) {
    if (parseWriteIds(writes) === undefined) {
      throw new LineError(
        `${WRITE_IDS_ATTRIBUTE}: not write ids (a string ".id.id." or a list of strings)`,
      );
    }
    copy(stored, item, WRITE_IDS_ATTRIBUTE);
  }
  return { item, fields: pickKeyFields(definition.key, value as Record<string, unknown>) };
}

function copy(from: Item, to: Item, name: string): void {
  const value = from[name];
  if (value !== undefined) to[name] = value;
}

/** The lines of a file, counted as a stream (for the progress total). */
async function countLines(path: string): Promise<number> {
  let count = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    let at = bytes.indexOf(0x0a);
    while (at !== -1) {
      count++;
      at = bytes.indexOf(0x0a, at + 1);
    }
    if (bytes.length > 0) last = bytes[bytes.length - 1] as number;
  }
  return last === 0x0a ? count : count + 1;
}
