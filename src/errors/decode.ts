/** Errors of decoding a stored item (`decodeItem`, `X.decode`): thrown as `DecodeError`. */
export interface DecodeErrorDetails {
  /** The item is not well-formed DynamoDB attribute values, or its type note does not fit it. */
  "decode.malformed": { readonly path: string; readonly reason: string };
  /** The type note names a class or custom type that is not registered here. */
  "decode.unregistered": { readonly path: string; readonly identifier: string };
}
