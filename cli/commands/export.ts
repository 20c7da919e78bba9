import { type FileHandle, open } from "node:fs/promises";
import { resolve } from "node:path";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { plain } from "../../src/encoding/dynamo-json.js";
import type { Item } from "../../src/encoding/item.js";
import { isDynatomError } from "../../src/errors/index.js";
import { scanAtom } from "../../src/requests/scan.js";
import { integer, parse } from "../args.js";
import { pickAtom } from "../atoms.js";
import { Checkpoint } from "../checkpoint.js";
import type { Command } from "../command.js";
import { connect, TABLE_HELP, TABLE_OPTIONS } from "../connect.js";
import { headerLine, itemFrom, itemLine, LineError } from "../export-format.js";
import { badInput, EXIT, failed } from "../failure.js";
import { type Io, write } from "../io.js";
import { startProgress } from "../progress.js";

/** What `FILE.dynatom-progress` records after each page. */
interface ExportState {
  readonly table: string;
  readonly atom: string;
  /** The scan's LastEvaluatedKey as DynamoDB JSON; the next page starts after it. */
  readonly start: unknown;
  /** Lines and bytes of FILE that hold whole pages (the header included). */
  readonly lines: number;
  readonly bytes: number;
}

/** Where the lines go: a file written at known offsets, or stdout. */
interface Sink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/** The suffix of the checkpoint beside `--out FILE`. */
export const EXPORT_CHECKPOINT = ".dynatom-progress";

export const exportCommand: Command = {
  summary: "an atom type's items → JSON Lines, lossless (resumable with --out)",
  help: `Usage: dynatom export <atom> --table T --atoms PATH [--endpoint E] [--out FILE]

Writes every item of the atom type as JSON Lines: a header line
{"dynatom":"export","format":1,"atom":"<atom>"}, then one item a line as DynamoDB JSON (type
descriptors, binary as base64) with its bookkeeping (_schema, _ver, _writes, _types) and
without the attributes an import derives again (table and index keys, ElectroDB's). Items are
exported as stored, not decoded: an item this schema cannot read is kept too.
dynatom import turns the file back into identical items.

The table is scanned one page at a time (strongly consistent), each page written before the
next is read, so memory stays flat for any table. With --out, FILE.dynatom-progress records
after each page how far the export got: after a failure or Ctrl-C, run the same command again
and it continues where it stopped; it is removed when the export is done.
Progress goes to stderr (a bar on a terminal); stdout carries only the data.

Options:
${TABLE_HELP}
  --out FILE        write to FILE (resumable) instead of stdout
  --page-size N     items the Scan reads per page before filtering (default: 1 MB worth)
  -h, --help        this help

Exit codes: 0 exported, 1 a request failed or Ctrl-C (with --out, run it again to resume),
2 bad input (arguments, --atoms, an unknown atom, a checkpoint of another export).`,
  async run(argv, io) {
    const { values, positionals } = parse("export", argv, {
      ...TABLE_OPTIONS,
      out: { type: "string" },
      "page-size": { type: "string" },
    });
    const [name, ...extra] = positionals;
    if (name === undefined || extra.length > 0) {
      throw badInput(
        "dynatom export takes one atom type, e.g. dynatom export account --table T --atoms atoms",
      );
    }
    const limit = integer("page-size", values["page-size"], { min: 1, max: 1_000_000 });
    // Export never decodes, so migrations are not loaded.
    const connection = await connect("export", values, io, { withMigrations: false });
    try {
      const atom = pickAtom(connection.atoms, name).name;
      const table = connection.core.table;
      const out = values.out;
      const checkpoint =
        out === undefined ? undefined : new Checkpoint<ExportState>(`${out}${EXPORT_CHECKPOINT}`);
      const saved = await checkpoint?.load();
      if (saved !== undefined && (saved.table !== table || saved.atom !== atom)) {
        throw badInput(
          `${checkpoint?.path} records an export of "${saved.atom}" from table "${saved.table}": ` +
            "finish that one (run it again), or delete the checkpoint to start over",
        );
      }
      let start = saved === undefined ? undefined : startKey(saved, checkpoint?.path ?? "");
      let lines = saved?.lines ?? 1;
      let bytes = saved?.bytes ?? Buffer.byteLength(headerLine(atom));
      const sink =
        out === undefined
          ? stdoutSink(io)
          : await fileSink(resolve(io.cwd, out), saved?.bytes, headerLine(atom));
      if (out === undefined) await sink.write(headerLine(atom));
      const label = `export ${atom}`;
      const progress = startProgress(io, label, "items", undefined, lines - 1);
      const began = Date.now();
      try {
        do {
          const page = await connection.core.executor.read(
            () => new ScanCommand(scanAtom({ table, atom, start, limit })),
            connection.core.retry,
          );
          let text = "";
          for (const item of page.Items ?? []) text += itemLine(item);
          await sink.write(text);
          lines += page.Items?.length ?? 0;
          bytes += Buffer.byteLength(text);
          start = page.LastEvaluatedKey;
          progress.update(lines - 1);
          if (start !== undefined) {
            await checkpoint?.save({ table, atom, start: plain(start), lines, bytes });
            if (io.signal.aborted) break;
          }
        } while (start !== undefined);
      } catch (err) {
        if (isDynatomError(err) && out !== undefined) {
          err.message += ` ${lines - 1} items are in ${out}: run the same command again to resume.`;
        }
        throw err;
      } finally {
        await sink.close();
      }
      if (start !== undefined) {
        progress.finish(`${label}: interrupted after ${lines - 1} items`);
        throw failed(
          out === undefined
            ? `interrupted after ${lines - 1} items; the output is incomplete`
            : `interrupted after ${lines - 1} items; run the same command again to resume (${checkpoint?.path})`,
        );
      }
      await checkpoint?.remove();
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      const where = out === undefined ? "" : ` to ${out} (${bytes} bytes)`;
      progress.finish(`${label}: ${lines - 1} items${where} in ${seconds} s`);
      return EXIT.ok;
    } finally {
      await connection.close();
    }
  },
};

function startKey(saved: ExportState, path: string): Item {
  try {
    return itemFrom(saved.start);
  } catch (err) {
    const reason = err instanceof LineError ? err.reason : String(err);
    throw badInput(`${path}: the recorded scan position cannot be read (${reason}); delete it`);
  }
}

function stdoutSink(io: Io): Sink {
  return {
    write: async (text) => {
      if (text !== "") await write(io.stdout, text);
    },
    close: async () => {},
  };
}

/**
 * FILE written at known offsets. Resuming cuts it back to the bytes the checkpoint counted: a
 * page written after the last checkpoint is written again from the same scan position.
 */
async function fileSink(path: string, resumeAt: number | undefined, header: string): Promise<Sink> {
  let handle: FileHandle;
  let position: number;
  if (resumeAt === undefined) {
    handle = await open(path, "w");
    await handle.write(header, 0);
    position = Buffer.byteLength(header);
  } else {
    handle = await open(path, "r+").catch((err: NodeJS.ErrnoException) => {
      throw badInput(`${path}: the checkpoint says it was started, but: ${err.message}`);
    });
    const { size } = await handle.stat();
    if (size < resumeAt) {
      await handle.close();
      throw badInput(
        `${path} holds ${size} bytes, fewer than the ${resumeAt} its checkpoint counted: delete the checkpoint to start over`,
      );
    }
    await handle.truncate(resumeAt);
    position = resumeAt;
  }
  return {
    async write(text) {
      if (text === "") return;
      const buffer = Buffer.from(text);
      let written = 0;
      while (written < buffer.length) {
        const { bytesWritten } = await handle.write(
          buffer,
          written,
          buffer.length - written,
          position,
        );
        written += bytesWritten;
        position += bytesWritten;
      }
    },
    close: () => handle.close(),
  };
}
