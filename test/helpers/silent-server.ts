import type { Server } from "node:net";
import { createServer, type Socket } from "node:net";

/** A local test server: its endpoint, the connections not closed yet, and a way to end all. */
export interface TestServer {
  readonly endpoint: string;
  /** Connections the client has not closed yet. */
  open(): number;
  close(): void;
}

/**
 * Starts `server` on a free 127.0.0.1 port, counting its connections; `close` ends them and the
 * intervals in `timers` (what a server that answers slowly keeps going).
 */
export async function listening(
  server: Server,
  timers: Set<NodeJS.Timeout> = new Set(),
): Promise<TestServer> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    open: () => sockets.size,
    close() {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/**
 * A raw TCP server: `onRequest` decides what a connection gets once its first request bytes
 * arrive (intervals it starts go in `timers`, cleared on close). It reads and drops the rest: a
 * paused socket would never see the client close it.
 */
export function startRawServer(
  onRequest: (socket: Socket, first: Buffer, timers: Set<NodeJS.Timeout>) => void,
): Promise<TestServer> {
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((socket) => {
    socket.once("data", (first: Buffer) => onRequest(socket, first, timers));
    socket.resume();
  });
  return listening(server, timers);
}

/** A server that accepts connections and never answers: what a hung endpoint looks like. */
export function startSilentServer(): Promise<TestServer> {
  return startRawServer(() => {});
}

/**
 * A server that answers every request with 200 headers and a body it never finishes (a byte a
 * second): a request it serves never goes idle, so only cutting it ends it.
 */
export function startTrickleServer(): Promise<TestServer> {
  return startRawServer((socket, _first, timers) => {
    socket.write(
      "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n" +
        "x-amzn-RequestId: x\r\nContent-Length: 1000\r\n\r\n{",
    );
    const timer = setInterval(() => socket.write(" "), 1_000);
    timers.add(timer);
    socket.on("close", () => clearInterval(timer));
  });
}
