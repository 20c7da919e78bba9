/** Errors of values against an atom's schema: validation on write, versions on read. */
export interface SchemaErrorDetails {
  /** The value does not match the atom's valibot schema; nothing was sent. */
  "schema.invalid-value": {
    readonly atom: string;
    /** valibot's issues, as valibot reports them. */
    readonly issues: readonly { readonly message: string; readonly path?: readonly unknown[] }[];
  };
  /**
   * A key that cannot name an item: a key field missing or of another type than the schema's
   * (`field`), or a key attribute over DynamoDB's size (`field` names the attribute, `sk`).
   */
  "schema.invalid-key": { readonly atom: string; readonly field: string; readonly reason: string };
  /** A stored item was written by a newer schema version than this code knows. */
  "schema.newer-version": {
    readonly atom: string;
    readonly stored: number;
    readonly known: number;
  };
  /** A stored item needs a migration step the definition does not have, or that step failed. */
  "schema.migration-failed": {
    readonly atom: string;
    readonly from: number;
    readonly to: number;
    readonly reason: string;
  };
}
