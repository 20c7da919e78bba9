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
