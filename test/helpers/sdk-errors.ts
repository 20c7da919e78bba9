/** An error as the SDK makes it from an answer with this status: what fault middleware throws. */
export function answered(name: string, status: number): Error {
  return Object.assign(new Error(`${name} (injected)`), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}
