import { readFileSync } from "node:fs";
import { isDynatomError } from "../src/index.js";
import type { Command } from "./command.js";
import { codegen } from "./commands/codegen.js";
import { exportCommand } from "./commands/export.js";
import { importCommand } from "./commands/import.js";
import { inspect } from "./commands/inspect.js";
import { local } from "./commands/local.js";
import { table } from "./commands/table.js";
import { tail } from "./commands/tail.js";
import { CliFailure, EXIT } from "./failure.js";
import type { Io } from "./io.js";

/** Every command, by name: a new one is one entry here. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  codegen,
  table,
  local,
  inspect,
  export: exportCommand,
  import: importCommand,
  tail,
};

function version(): string {
  const file = new URL("../../package.json", import.meta.url);
  const source = new URL("../package.json", import.meta.url);
  for (const url of [source, file]) {
    try {
      const { name, version } = JSON.parse(readFileSync(url, "utf8")) as {
        name?: string;
        version?: string;
      };
      if (name === "dynatom" && version !== undefined) return version;
    } catch {}
  }
  return "unknown";
}

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return `Usage: dynatom <command> [options]   (dynatom <command> --help for its options)

Commands:
${lines.join("\n")}

Exit codes: 0 done, 1 the command ran and failed (a check, an absent item, a request),
2 bad input (arguments, schema files, an unknown atom).
`;
}

const wantsHelp = (argv: readonly string[]) => argv.includes("--help") || argv.includes("-h");

/**
 * Runs `dynatom <argv…>` and resolves to its exit code. Never throws: every failure is one line
 * on stderr (a library error keeps its code) and a code of 1 or 2.
 *
 * @example process.exitCode = await main(["codegen", "atoms", "--out", "src/atoms.gen.ts"], processIo());
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(overview());
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    io.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.stderr.write(
      `dynatom: unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(", ")} (see: dynatom --help)\n`,
    );
    return EXIT.badInput;
  }
  if (wantsHelp(rest)) {
    io.stdout.write(`${command.help}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CliFailure) {
      io.stderr.write(`dynatom ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    if (isDynatomError(err)) {
      io.stderr.write(`dynatom ${name}: [${err.code}] ${err.message}\n`);
      return EXIT.failed;
    }
    io.stderr.write(`dynatom ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}
