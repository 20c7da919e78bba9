import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { formatError, generate } from "../../codegen/index.js";
import { parse, required } from "../args.js";
import type { Command } from "../command.js";
import { badInput, EXIT, failed } from "../failure.js";
import { loadSchemaFiles } from "../schema-files.js";

export const codegen: Command = {
  summary: "schema files → one typed TypeScript module (--check for CI)",
  help: `Usage: dynatom codegen <files or folders…> --out FILE [--check]

Reads the schema files (*.atom.yaml, *.atom.yml, *.atom.json; folders are searched) and writes
one formatted module of valibot schemas, defineAtom declarations and types, the same bytes for
the same files.

Options:
  --out FILE   the module to write, e.g. src/atoms.gen.ts
  --check      write nothing; exit 1 when FILE differs from what would be generated
  -h, --help   this help

Exit codes: 0 written or up to date, 1 --check found FILE out of date, 2 bad input (a bad schema
file, each error as file:line:col; nothing is written).`,
  async run(argv, io) {
    const { values, positionals } = parse("codegen", argv, {
      out: { type: "string" },
      check: { type: "boolean" },
    });
    const out = required("codegen", "out", values.out);
    if (positionals.length === 0) throw badInput("dynatom codegen needs schema files or folders");
    const files = await loadSchemaFiles(positionals, io.cwd);
    const outFile = resolve(io.cwd, out);
    const result = generate({ files, outFile: relative(io.cwd, outFile) || outFile });
    if (!result.ok) {
      for (const error of result.errors) io.stderr.write(`${formatError(error)}\n`);
      const n = result.errors.length;
      throw badInput(`${n} error${n === 1 ? "" : "s"} in the schema files; ${out} was not touched`);
    }
    const current = await readFile(outFile, "utf8").catch(() => undefined);
    if (values.check) {
      if (current === result.code) {
        io.stdout.write(`${out} is up to date (${files.length} schema files)\n`);
        return EXIT.ok;
      }
      throw failed(
        `${out} is ${current === undefined ? "missing" : "out of date"}: run dynatom codegen ${positionals.join(" ")} --out ${out}`,
      );
    }
    if (current === result.code) {
      io.stdout.write(`${out} is up to date (${files.length} schema files)\n`);
      return EXIT.ok;
    }
    await mkdir(dirname(outFile), { recursive: true });
    // Written beside and renamed: an interrupted run never leaves half a module.
    const temporary = `${outFile}.${process.pid}.tmp`;
    await writeFile(temporary, result.code);
    await rename(temporary, outFile);
    io.stdout.write(`wrote ${out} (${files.length} schema files)\n`);
    return EXIT.ok;
  },
};
