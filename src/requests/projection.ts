/** The attributes a read asks DynamoDB for: a ProjectionExpression with its names. */
export interface Projection {
  /** `#p0, #p1, …`: placeholders only, so any attribute name is safe (reserved words, spaces). */
  readonly expression: string;
  /** What each placeholder stands for. */
  readonly names: Readonly<Record<string, string>>;
  /** The attribute names, in the order given. */
  readonly attributes: readonly string[];
}

/** DynamoDB refuses an expression string over 4 KB; a longer projection is not sent at all. */
const MAX_EXPRESSION_BYTES = 4096;

/**
 * A projection of these top-level attributes, or undefined when DynamoDB could not take it (an
 * expression over 4 KB): then the read asks for whole items, which is always correct. Every name
 * goes through a placeholder, so that a field named `name`, `a b` or `größe` reads as itself.
 * Built once per atom type and read purpose, not once per request.
 *
 * @example
 * projectionOf(["name", "_types"]);
 * // { expression: "#p0, #p1", names: { "#p0": "name", "#p1": "_types" }, attributes: [...] }
 */
export function projectionOf(attributes: readonly string[]): Projection | undefined {
  const unique = [...new Set(attributes)];
  if (unique.length === 0) return undefined;
  const names: Record<string, string> = {};
  unique.forEach((attribute, i) => {
    names[`#p${i}`] = attribute;
  });
  const expression = Object.keys(names).join(", ");
  if (Buffer.byteLength(expression) > MAX_EXPRESSION_BYTES) return undefined;
  return { expression, names, attributes: unique };
}

/**
 * The projection's part of a read request, merged with the names the request already uses (a
 * query's `#pk`/`#sk`): nothing when there is no projection.
 */
export function projectionInput(
  projection: Projection | undefined,
  names?: Readonly<Record<string, string>>,
): { ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> } {
  if (projection === undefined)
    return names === undefined ? {} : { ExpressionAttributeNames: { ...names } };
  return {
    ProjectionExpression: projection.expression,
    ExpressionAttributeNames: { ...names, ...projection.names },
  };
}
