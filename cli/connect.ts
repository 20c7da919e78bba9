import type { AtomDefinition } from "../src/index.js";
import { StoreCore } from "../src/store/core.js";
import { required } from "./args.js";
import { loadAtoms } from "./atoms.js";
import { badInput } from "./failure.js";
import type { Io } from "./io.js";

/** The options of every command that talks to a table. */
export const TABLE_OPTIONS = {
  table: { type: "string" },
  endpoint: { type: "string" },
  atoms: { type: "string", multiple: true },
} as const;

export const TABLE_HELP = `  --table T         the table
  --endpoint E      a URL, "embedded" or "aws" (default: DYNATOM_ENDPOINT, else AWS)
  --atoms PATH      schema files or folders, or a module exporting defineAtom values;
                    repeat it for more`;

/** A table to talk to, and the atom types it holds. */
export interface Connection {
  readonly core: StoreCore;
  readonly atoms: readonly AtomDefinition[];
  close(): Promise<void>;
}

/**
 * Opens the table a command names with the atom types of `--atoms`. Its requests go through the
 * same executor as a store's (timeouts, retries, the failure model).
 */
export async function connect(
  command: string,
  values: {
    readonly table?: string | undefined;
    readonly endpoint?: string | undefined;
    readonly atoms?: readonly string[] | undefined;
  },
  io: Io,
  options: { readonly withMigrations?: boolean } = {},
): Promise<Connection> {
  const table = required(command, "table", values.table);
  const paths = values.atoms ?? [];
  if (paths.length === 0)
    throw badInput(`dynatom ${command} needs --atoms (see: dynatom ${command} --help)`);
  const atoms = await loadAtoms(paths, io.cwd, options);
  const endpoint = values.endpoint ?? io.env.DYNATOM_ENDPOINT;
  let core: StoreCore;
  try {
    core = new StoreCore({ table, atoms, ...(endpoint === undefined ? {} : { endpoint }) });
  } catch (err) {
    throw badInput((err as Error).message);
  }
  return { core, atoms, close: () => core.close() };
}
