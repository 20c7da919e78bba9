/** Errors of decoding a stored item (`decodeItem`, `X.decode`): thrown as `DecodeError`. */
export interface DecodeErrorDetails {
  /** The item is not well-formed DynamoDB attribute values, or its type note does not fit it. */
  "decode.malformed": { readonly path: string; readonly reason: string };
  /** The type note names a class or custom type that is not registered here. */
  "decode.unregistered": { readonly path: string; readonly identifier: string };
  /**
   * A stored value is not of the type the atom's schema reads there (`path`, e.g. `prefs.theme`):
   * written by another tool, or by another schema under the same version.
   */
  "decode.schema-mismatch": {
    readonly atom: string;
    readonly key: string;
    readonly path: string;
    /** What the schema reads there, e.g. `a number`. */
    readonly expected: string;
    /** What is stored, e.g. `the string "abc"`. */
    readonly found: string;
  };
  /** A bookkeeping attribute (`_ver`, `_schema`) that is not a whole number dynatom could have written. */
  "decode.invalid-bookkeeping": {
    readonly atom: string;
    readonly key: string;
    readonly attribute: string;
    readonly reason: string;
  };
  /**
   * A change of the feed (a stream record) whose old or new image cannot be decoded: `cause`
   * has the decoding error; `sequence` is the record's, to find it again.
   */
  "decode.change": {
    readonly atom: string;
    readonly key: string;
    readonly sequence: string;
    readonly image: "old" | "new" | "keys";
    readonly reason: string;
  };
}
