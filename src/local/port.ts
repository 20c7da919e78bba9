import { createServer } from "node:net";
import { DynatomError } from "../errors/index.js";

// DynamoDB Local's Jetty binds the wildcard address, so that is what we probe.
const WILDCARD = "0.0.0.0";

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port, host: WILDCARD, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address !== null ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** A port that nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return listenOnce(0);
}

export function portBusy(port: number, cause?: unknown) {
  return new DynatomError(
    "local.port-busy",
    `Port ${port} is already in use, so DynamoDB Local cannot listen on it. ` +
      "Stop what holds it, choose another port, or leave `port` out to get a free one.",
    { details: { port }, cause },
  );
}

/** Fails with `local.port-busy` when something already listens on `port`. */
export async function assertPortFree(port: number): Promise<void> {
  try {
    await listenOnce(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw portBusy(port, err);
    throw err;
  }
}
