/** Errors of values against an atom's schema: validation on write, versions on read. */
export interface SchemaErrorDetails {
  /** The value does not match the atom's valibot schema; nothing was sent. */
  "schema.invalid-value": {
    readonly atom: string;
    /** valibot's issues, as valibot reports them. */
    readonly issues: readonly { readonly message: string; readonly path?: readonly unknown[] }[];
  };
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
