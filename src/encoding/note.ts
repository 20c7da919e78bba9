/**
 * The type note: ONE string attribute, present only when an item holds something plain
 * DynamoDB types cannot say by themselves (a Date, a bigint, a Map, `undefined`, NaN, …).
 *
 * `{"v":1,"t":{"createdAt":"Date","prefs":{"t":"map","c":{"theme":"Date"}}}}`
 *
 * `v` is the format version. `t` mirrors the value's shape along the paths that need a tag and
 * nowhere else: a node is a tag (`"Date"`, `"class:Money"`) when nothing below it needs one,
 * else `{ t?: tag, c?: { childKey: node }, e?: everyElementNode, k?: keyOrder, i?: innerNode }`.
 */
export const NOTE_ATTRIBUTE = "_types";

/** The stored format this release writes; it reads every earlier one. */
export const FORMAT_VERSION = 1;

export type NoteNode = string | NoteTree;

export interface NoteTree {
  /** This node's own tag, if any. */
  t?: string;
  /** Nodes of children that need one, by property name, array index or map entry index. */
  c?: Record<string, NoteNode>;
  /** The node of every element of a list, when they are all alike (so it is stored once). */
  e?: NoteNode;
  /** A Map's key order, when it is not the sorted order. */
  k?: string[];
  /** For a custom type: the note of the JSON value its transformer made. */
  i?: NoteNode;
}

export interface Note {
  v: number;
  t: Record<string, NoteNode>;
}

/** Sets an own property, also for the key `__proto__` (a plain assignment would set the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** A child's node; only own properties count, so a stored name never reaches Object.prototype. */
export function childNode(node: NoteNode | undefined, key: string): NoteNode | undefined {
  if (node === undefined || typeof node === "string") return undefined;
  if (node.c !== undefined && Object.hasOwn(node.c, key)) return node.c[key];
  return node.e;
}

/**
 * A list's tree with one node per element collapses to `{ e: node }` when all the nodes are
 * alike: a list of records with a Date each stores its note once, not once per record.
 */
export function collapseList(tree: NoteTree | undefined, length: number): NoteTree | undefined {
  const children = tree?.c;
  if (children === undefined || length < 2) return tree;
  const first = children["0"];
  if (first === undefined) return tree;
  for (let i = 1; i < length; i++) {
    const other = children[String(i)];
    if (other === undefined || !sameNode(first, other)) return tree;
  }
  return { e: first };
}

function sameNode(a: NoteNode | undefined, b: NoteNode | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (a.t !== b.t || !sameNode(a.e, b.e) || !sameNode(a.i, b.i)) return false;
  if (
    (a.k === undefined) !== (b.k === undefined) ||
    (a.k && a.k.join("\u0000") !== b.k?.join("\u0000"))
  )
    return false;
  const ac = a.c ?? {};
  const bc = b.c ?? {};
  const keys = Object.keys(ac);
  if (keys.length !== Object.keys(bc).length) return false;
  return keys.every((key) => Object.hasOwn(bc, key) && sameNode(ac[key], bc[key]));
}

export function tagOf(node: NoteNode | undefined): string | undefined {
  return node === undefined || typeof node === "string" ? node : node.t;
}

/** A tag as read: `"class:Money"` is `{ text: "class:Money", name: "class", arg: "Money" }`. */
export interface Tag {
  readonly text: string;
  readonly name: string;
  readonly arg: string | undefined;
}

export function splitTag(text: string): Tag {
  const colon = text.indexOf(":");
  return colon < 0
    ? { text, name: text, arg: undefined }
    : { text, name: text.slice(0, colon), arg: text.slice(colon + 1) };
}

/** Adds a child's node to a tree being built, creating the tree on the first one. */
export function withChild(tree: NoteTree | undefined, key: string, child: NoteNode): NoteTree {
  const next = tree ?? {};
  next.c ??= {};
  setOwn(next.c, key, child);
  return next;
}

/** A tree with just a tag collapses to that tag. */
export function finish(tag: string | undefined, tree: NoteTree | undefined): NoteNode | undefined {
  if (tree === undefined) return tag;
  if (tag !== undefined) tree.t = tag;
  return tree;
}
