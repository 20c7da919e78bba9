/**
 * Whether a string can be an attribute name or a map key in DynamoDB: at least one character,
 * and valid UTF-8 (no lone surrogate). Objects with other keys are stored as a list of pairs.
 */
export function isAttributeName(name: string): boolean {
  return name.length > 0 && name.isWellFormed();
}
