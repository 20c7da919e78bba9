/** What check.ts makes of a schema file, and what emit.ts writes from. */

/** Every field type a schema file may name; the JSON Schema lists the same. */
export const FIELD_TYPES = [
  "string",
  "number",
  "integer",
  "bigint",
  "boolean",
  "date",
  "bytes",
  "unknown",
  "enum",
  "literal",
  "list",
  "set",
  "map",
  "object",
  "record",
] as const;

export type FieldType = (typeof FIELD_TYPES)[number];

/** The formats a string field may take. */
export const FORMATS = ["email", "url", "uuid"] as const;
export type Format = (typeof FORMATS)[number];

/** A `min` or `max`: a number, a bigint (kept as its digits) or a date (kept as ISO text). */
export type Bound =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "bigint"; readonly digits: string }
  | { readonly kind: "date"; readonly iso: string };

export interface FieldModel {
  readonly type: FieldType;
  readonly optional: boolean;
  readonly nullable: boolean;
  readonly description?: string;
  readonly min?: Bound;
  readonly max?: Bound;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: Format;
  readonly values?: readonly string[];
  readonly value?: string | number | boolean;
  readonly of?: FieldModel;
  readonly key?: FieldModel;
  readonly fields?: readonly (readonly [string, FieldModel])[];
}

export interface IndexModel {
  readonly name: string;
  readonly pk: readonly string[];
  readonly sk: readonly string[];
  readonly index?: string;
}

export interface AtomModel {
  readonly file: string;
  readonly name: string;
  readonly version: number;
  /** `["id"]` (a list) or `{ pk, sk }` (an object), as the file wrote it. */
  readonly key:
    | { readonly form: "list"; readonly pk: readonly string[] }
    | { readonly form: "object"; readonly pk: readonly string[]; readonly sk: readonly string[] };
  readonly indexes: readonly IndexModel[];
  readonly fields: readonly (readonly [string, FieldModel])[];
  /** The migrations module, relative to the schema file. */
  readonly migrate?: string;
}
