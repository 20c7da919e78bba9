/** Errors of declaring atoms (`defineAtom`, `createStore`): thrown as `DefinitionError`. */
export interface DefinitionErrorDetails {
  /** The declaration itself is wrong: a bad name, version, schema, key or index. */
  "definition.invalid": { readonly atom: string; readonly field?: string; readonly reason: string };
  /** A key or index field that is missing from the schema, optional, nested or not indexable. */
  "definition.bad-key-field": {
    readonly atom: string;
    readonly field: string;
    readonly index: string;
    readonly reason: string;
  };
  /** A schema field uses a name dynatom keeps for itself. */
  "definition.reserved-name": { readonly atom: string; readonly field: string };
  /** Two atoms registered with one store under one name, or two indexes on one GSI. */
  "definition.conflict": { readonly atom: string; readonly reason: string };
}
