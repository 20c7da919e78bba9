import { createServer, type Socket } from "node:net";

/** A server that accepts connections and never answers: what a hung endpoint looks like. */
export async function startSilentServer(): Promise<{
  endpoint: string;
  /** Connections the client has not closed yet. */
  open(): number;
  close(): void;
}> {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    // Reads and drops what comes, never answering: a paused socket would never see the
    // client close it.
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    open: () => sockets.size,
    close() {
      for (const socket of sockets) socket.destroy();
      silent.close();
    },
  };
}

/**
 * A server that answers every request with 200 headers and a body it never finishes (a byte a
 * second): a request it serves never goes idle, so only cutting it ends it.
 */
export async function startTrickleServer(): Promise<{
  endpoint: string;
  open(): number;
  close(): void;
}> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", () => {
      socket.write(
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n" +
          "x-amzn-RequestId: x\r\nContent-Length: 1000\r\n\r\n{",
      );
      const timer = setInterval(() => socket.write(" "), 1_000);
      timers.add(timer);
      socket.on("close", () => clearInterval(timer));
    });
    socket.resume();
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
