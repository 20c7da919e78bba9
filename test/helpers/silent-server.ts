import { createServer, type Socket } from "node:net";

/** A server that accepts connections and never answers: what a hung endpoint looks like. */
export async function startSilentServer(): Promise<{ endpoint: string; close(): void }> {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close() {
      for (const socket of sockets) socket.destroy();
      silent.close();
    },
  };
}
