import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as v from "valibot";
import { type AtomSchema, type AtomType, defineAtom, type MigrationStep } from "../src/index.js";
import type { AtomModel, Bound } from "./model.js";
import { type Expr, objectSchema } from "./valibot.js";

type Valibot = Record<string, (...args: unknown[]) => unknown>;

function bound(b: Bound): number | bigint | Date {
  if (b.kind === "number") return b.value;
  return b.kind === "bigint" ? BigInt(b.digits) : new Date(b.iso);
}

/** The value of a schema expression: the valibot schema emit.ts would have printed. */
export function evaluate(expr: Expr): unknown {
  if ("fn" in expr) {
    const fn = (v as unknown as Valibot)[expr.fn];
    if (fn === undefined) throw new Error(`codegen: valibot has no ${expr.fn}()`);
    return fn(...expr.args.map(evaluate));
  }
  if ("literal" in expr) return expr.literal;
  if ("bound" in expr) return bound(expr.bound);
  if ("regex" in expr) return new RegExp(expr.regex);
  if ("strings" in expr) return [...expr.strings];
  if ("global" in expr) return Uint8Array;
  return Object.fromEntries(expr.fields.map(([name, value]) => [name, evaluate(value)]));
}

/** Loads an atom's migrations: the default export of its `migrate` module. */
async function migrations(atom: AtomModel): Promise<Record<number, MigrationStep> | undefined> {
  if (atom.migrate === undefined) return undefined;
  const path = resolve(dirname(atom.file), atom.migrate);
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    const hint = /\.[mc]?ts$/.test(path)
      ? " Node loads TypeScript only through a loader: run the command with tsx (npx tsx …/dynatom) or point migrate at a .js file."
      : "";
    throw new Error(
      `${atom.file}: the migrate module ${atom.migrate} cannot be loaded: ${(err as Error).message}.${hint}`,
      { cause: err },
    );
  }
  const steps = module.default;
  if (typeof steps !== "object" || steps === null) {
    throw new Error(
      `${atom.file}: the migrate module ${atom.migrate} must export default { 1: (v1) => v2, … }.`,
    );
  }
  return steps as Record<number, MigrationStep>;
}

/**
 * The atom types of checked schema files, built at run time: what the generated module declares,
 * without generating it. `withMigrations: false` skips loading the migrate modules (enough to
 * know keys and indexes).
 *
 * @example
 * const [Account] = await buildAtoms([accountModel]);
 */
export async function buildAtoms(
  atoms: readonly AtomModel[],
  options: { readonly withMigrations?: boolean } = {},
): Promise<AtomType[]> {
  const built: AtomType[] = [];
  for (const atom of atoms) {
    const migrate = options.withMigrations === false ? undefined : await migrations(atom);
    const key = atom.key.form === "list" ? atom.key.pk : { pk: atom.key.pk, sk: atom.key.sk };
    const indexes = Object.fromEntries(
      atom.indexes.map((index) => [
        index.name,
        {
          pk: index.pk,
          ...(index.sk.length === 0 ? {} : { sk: index.sk }),
          ...(index.index === undefined ? {} : { index: index.index as `gsi${number}` }),
        },
      ]),
    );
    const definition: AtomType = defineAtom({
      name: atom.name,
      version: atom.version,
      schema: evaluate(objectSchema(atom.fields)) as AtomSchema,
      key,
      indexes,
      ...(migrate === undefined ? {} : { migrate }),
    });
    built.push(definition);
  }
  return built;
}
