import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { CodegenError } from "./errors.js";

/** A 1-based position in a file. */
export interface Pos {
  readonly line: number;
  readonly col: number;
}

export type Scalar = string | number | boolean | null;

/** A parsed value that keeps where it came from. */
export type TreeNode =
  | { readonly kind: "map"; readonly pos: Pos; readonly entries: readonly TreeEntry[] }
  | { readonly kind: "list"; readonly pos: Pos; readonly items: readonly TreeNode[] }
  | { readonly kind: "scalar"; readonly pos: Pos; readonly value: Scalar; readonly raw: string };

export interface TreeEntry {
  readonly key: string;
  readonly keyPos: Pos;
  readonly value: TreeNode;
}

/** One schema file, parsed. */
export interface SourceTree {
  readonly file: string;
  readonly root: TreeNode;
}

export type ReadResult =
  | { readonly ok: true; readonly tree: SourceTree }
  | { readonly ok: false; readonly errors: readonly CodegenError[] };

/**
 * Parses one `*.atom.yaml`, `*.atom.yml` or `*.atom.json` file (JSON is YAML) into a tree whose
 * every node keeps its line and column. Never throws: bad syntax comes back as errors.
 *
 * @example
 * const result = readAtomFile("account.atom.yaml", "name: account\n");
 * if (result.ok) result.tree.root; // { kind: "map", pos: { line: 1, col: 1 }, entries: [...] }
 */
export function readAtomFile(file: string, text: string): ReadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): Pos => {
    const { line, col } = lines.linePos(offset ?? 0);
    return { line, col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => ({
        file,
        ...at(error.pos[0]),
        message: `bad ${/\.json$/i.test(file) ? "JSON" : "YAML"}: ${error.message.split("\n")[0]}`,
      })),
    };
  }
  const errors: CodegenError[] = [];
  const fail = (offset: number | undefined, message: string): TreeNode => {
    errors.push({ file, ...at(offset), message });
    return { kind: "scalar", pos: at(offset), value: null, raw: "" };
  };
  const walk = (node: unknown): TreeNode => {
    const range = (node as Node | null)?.range ?? undefined;
    const pos = at(range?.[0]);
    if (isAlias(node)) return fail(range?.[0], "YAML aliases (*name) are not supported here");
    if (isMap(node)) {
      const entries: TreeEntry[] = [];
      for (const pair of node.items) {
        const key = pair.key;
        if (!isScalar(key) || (typeof key.value !== "string" && typeof key.value !== "number")) {
          fail((key as Node | null)?.range?.[0] ?? range?.[0], "a key must be a plain name");
          continue;
        }
        entries.push({
          key: String(key.value),
          keyPos: at(key.range?.[0]),
          value: walk(pair.value),
        });
      }
      return { kind: "map", pos, entries };
    }
    if (isSeq(node)) return { kind: "list", pos, items: node.items.map(walk) };
    if (isScalar(node)) {
      const value = node.value;
      const raw = range === undefined ? "" : text.slice(range[0], range[1]);
      if (
        value === null ||
        typeof value === "string" ||
        typeof value === "number" ||
        typeof value === "boolean"
      ) {
        return { kind: "scalar", pos, value, raw };
      }
      return fail(range?.[0], "this value is not a string, number, boolean or null");
    }
    return { kind: "scalar", pos, value: null, raw: "" };
  };
  const root = walk(doc.contents);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, tree: { file, root } };
}
