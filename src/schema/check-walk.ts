/**
 * The pieces of a compiled output check (see `stored.ts`): where a walk is, what it found, and
 * how a mismatch is told.
 */
import * as v from "valibot";
import { formatPath, type PathStep } from "../encoding/path.js";

/** A stored value that is not of the schema's output type: where, what was wanted, what is there. */
export interface Mismatch {
  readonly path: string;
  readonly expected: string;
  readonly found: string;
}

export interface Walk {
  readonly path: PathStep[];
  /** Reading: a missing field with a default gets it, as valibot's parse would give it. */
  readonly fill: boolean;
  /** When set, collects the values found where a pipe changes the type (see `outputsOf`). */
  readonly outputs: Set<unknown> | undefined;
}

/** Returns the value (with defaults filled in, when reading) or throws a `MismatchAt`. */
export type Check = (value: unknown, walk: Walk) => unknown;

export class MismatchAt {
  constructor(readonly mismatch: Mismatch) {}
}

export interface Node {
  readonly type?: unknown;
  readonly kind?: unknown;
  readonly expects?: unknown;
  readonly pipe?: readonly Node[];
  readonly entries?: Readonly<Record<string, Node>>;
  readonly rest?: Node;
  readonly item?: Node;
  readonly items?: readonly Node[];
  readonly key?: Node;
  readonly value?: Node;
  readonly wrapped?: Node;
  readonly default?: unknown;
  readonly options?: readonly unknown[];
  readonly literal?: unknown;
  readonly class?: unknown;
  readonly check?: unknown;
  readonly getter?: unknown;
}

export function fail(walk: Walk, expected: string, value: unknown): never {
  throw new MismatchAt({ path: formatPath(walk.path), expected, found: formatFound(value) });
}

function formatFound(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "number":
    case "boolean":
    case "bigint":
      return `the ${typeof value} ${String(value)}`;
    case "object":
      if (Array.isArray(value)) return "a list";
      if (value instanceof Date)
        return Number.isNaN(value.getTime()) ? "an invalid Date" : "a Date";
      return `${/^[aeiouAEIOU]/.test(nameOf(value)) ? "an" : "a"} ${nameOf(value)}`;
    default:
      return `a ${typeof value}`;
  }
}

function nameOf(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return "object";
  const name: unknown = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object";
}

export const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" &&
  value !== null &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

export const ANY: Check = (value) => value;

export function leaf(node: Node, fallback: string, test: (value: unknown) => boolean): Check {
  const expected = typeof node.expects === "string" ? node.expects : fallback;
  return (value, walk) => (test(value) ? value : fail(walk, expected, value));
}

/** A child's check, putting back what it returns (a filled default) when that differs. */
export function at(walk: Walk, step: PathStep, check: Check, value: unknown): unknown {
  walk.path.push(step);
  const out = check(value, walk);
  walk.path.pop();
  return out;
}

/** valibot's default for a missing value, run through the schema as valibot would. */
export function defaultOf(node: Node): unknown {
  const value = v.getDefault(node as never);
  const parsed = v.safeParse(node.wrapped as never, value);
  return parsed.success ? parsed.output : value;
}
