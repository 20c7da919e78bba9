import type { Bound, FieldModel } from "./model.js";

/**
 * A valibot schema as a tree of calls: emit.ts prints it as code, build.ts evaluates it at run
 * time. One mapping from the file format to valibot, so the generated module and the definitions
 * the command line builds from the same files cannot drift apart.
 */
export type Expr =
  /** `v.<fn>(args…)` */
  | { readonly fn: string; readonly args: readonly Expr[] }
  | { readonly literal: string | number | boolean }
  | { readonly bound: Bound }
  | { readonly regex: string }
  | { readonly strings: readonly string[] }
  | { readonly fields: readonly (readonly [string, Expr])[] }
  | { readonly global: "Uint8Array" };

const v = (fn: string, ...args: Expr[]): Expr => ({ fn, args });

function inner(field: FieldModel | undefined): FieldModel {
  if (field === undefined) throw new Error("codegen: a checked field lacks its inner type");
  return field;
}

function base(field: FieldModel): Expr {
  switch (field.type) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
    case "date":
    case "unknown":
      return v(field.type);
    case "integer":
      return v("number");
    case "bytes":
      return v("instance", { global: "Uint8Array" });
    case "enum":
      return v("picklist", { strings: field.values ?? [] });
    case "literal":
      return v("literal", { literal: field.value ?? "" });
    case "list":
      return v("array", fieldSchema(inner(field.of)));
    case "set":
      return v("set", fieldSchema(inner(field.of)));
    case "map":
      return v("map", fieldSchema(inner(field.key)), fieldSchema(inner(field.of)));
    case "record":
      return v("record", v("string"), fieldSchema(inner(field.of)));
    case "object":
      return objectSchema(field.fields ?? []);
  }
}

function actions(field: FieldModel): Expr[] {
  const steps: Expr[] = [];
  if (field.type === "integer") steps.push(v("integer"));
  if (field.minLength !== undefined) steps.push(v("minLength", { literal: field.minLength }));
  if (field.maxLength !== undefined) steps.push(v("maxLength", { literal: field.maxLength }));
  if (field.min !== undefined) steps.push(v("minValue", { bound: field.min }));
  if (field.max !== undefined) steps.push(v("maxValue", { bound: field.max }));
  if (field.pattern !== undefined) steps.push(v("regex", { regex: field.pattern }));
  if (field.format !== undefined) steps.push(v(field.format));
  if (field.description !== undefined) steps.push(v("description", { literal: field.description }));
  return steps;
}

/** The valibot schema of one field. */
export function fieldSchema(field: FieldModel): Expr {
  const steps = actions(field);
  let expr = steps.length === 0 ? base(field) : v("pipe", base(field), ...steps);
  if (field.nullable) expr = v("nullable", expr);
  if (field.optional) expr = v("optional", expr);
  return expr;
}

/** `v.object({ … })` of the fields, in the file's order. */
export function objectSchema(fields: readonly (readonly [string, FieldModel])[]): Expr {
  return v("object", {
    fields: fields.map(([name, field]) => [name, fieldSchema(field)] as const),
  });
}
