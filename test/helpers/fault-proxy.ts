import { connect, createServer, type Socket } from "node:net";
import { seeded } from "./random.js";

/**
 * A loopback TCP proxy that loses responses: the request reaches the server and is carried out,
 * but the client sees its connection reset. This is the "did my write happen?" failure that
 * retries and idempotency have to survive, and it cannot be produced by failing requests early.
 */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`, to use as the SDK's endpoint. */
  readonly endpoint: string;
  readonly port: number;
  /** Complete requests forwarded, and how many of their responses were withheld. */
  stats(): { requests: number; dropped: number };
  /** Changes the drop probability for requests that arrive from now on. */
  setDropRate(rate: number): void;
  /** Stops listening and destroys every socket; resolves once all of them are closed. */
  close(): Promise<void>;
}

/** Options for {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Loopback HTTP origin to forward to, e.g. `http://127.0.0.1:8000`. */
  target: string;
  /** Probability in [0, 1] that a matching request's response is withheld. */
  dropRate: number;
  /** Makes the drop decisions reproducible; without it they use Math.random. */
  seed?: number;
  /** Which requests may be dropped, given the request line and headers; all when omitted. */
  match?: (requestHead: string) => boolean;
}

const MAX_HEAD = 64 * 1024;
const MAX_MESSAGE = 64 * 1024 * 1024;

/**
 * Starts a {@link FaultProxy} on a free 127.0.0.1 port. It understands just enough HTTP/1.1 to
 * find message boundaries on keep-alive connections (Content-Length or chunked bodies), so each
 * request gets its own decision, and a dropped response is withheld only after it has fully
 * arrived, which proves the server finished the request.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  if (target.protocol !== "http:" || !isLoopback(target.hostname)) {
    throw new RangeError(`fault proxy target must be a loopback http origin: ${options.target}`);
  }
  const targetHost = target.hostname.replace(/^\[|\]$/g, "");
  const targetPort = Number(target.port || 80);
  let dropRate = checkRate(options.dropRate);
  const random = options.seed === undefined ? Math.random : seeded(options.seed);
  const { match } = options;
  let requests = 0;
  let dropped = 0;
  let closing: Promise<void> | undefined;
  const sockets = new Set<Socket>();

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };

  const server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    client.on("error", () => undefined);
    if (closing !== undefined) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    track(upstream);
    upstream.on("error", () => undefined);
    const decisions: boolean[] = [];
    let dead = false;

    const kill = (reset: boolean): void => {
      if (dead) return;
      dead = true;
      if (reset) {
        try {
          client.resetAndDestroy();
        } catch {
          client.destroy();
        }
      } else client.destroy();
      upstream.destroy();
    };

    const fromClient = new Splitter("request", (head, bytes) => {
      if (dead) return;
      requests++;
      const eligible = match === undefined || match(head);
      decisions.push(eligible && dropRate > 0 && random() < dropRate);
      if (!upstream.write(bytes)) client.pause();
    });
    const fromServer = new Splitter("response", (head, bytes) => {
      if (dead) return;
      const interim = /^HTTP\/1\.\d 1\d\d/.test(head);
      if (!interim && decisions.shift() === true) {
        dropped++;
        kill(true);
        return;
      }
      if (!client.write(bytes)) upstream.pause();
    });

    const feed = (splitter: Splitter, chunk: Buffer): void => {
      try {
        splitter.push(chunk);
      } catch {
        kill(true);
      }
    };
    client.on("data", (chunk: Buffer) => feed(fromClient, chunk));
    upstream.on("data", (chunk: Buffer) => feed(fromServer, chunk));
    client.on("drain", () => upstream.resume());
    upstream.on("drain", () => client.resume());
    client.on("end", () => {
      if (!dead) upstream.end();
    });
    upstream.on("end", () => {
      if (dead) return;
      try {
        fromServer.finish();
      } catch {
        kill(true);
        return;
      }
      client.end();
    });
    client.on("close", () => kill(false));
    upstream.on("close", (hadError) => {
      if (hadError) kill(true);
    });
  });

  server.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  const port = address.port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats: () => ({ requests, dropped }),
    setDropRate: (rate) => {
      dropRate = checkRate(rate);
    },
    close: () => {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        const socketsClosed = [...sockets].map((socket) => {
          const closed = new Promise<void>((resolve) => {
            if (socket.closed) resolve();
            else socket.once("close", () => resolve());
          });
          socket.destroy();
          return closed;
        });
        await Promise.all([serverClosed, ...socketsClosed]);
      })();
      return closing;
    },
  };
}

/** The `X-Amz-Target` header of a request head (e.g. `DynamoDB_20120810.PutItem`), if any. */
export function amzTarget(requestHead: string): string | undefined {
  return /^x-amz-target:[ \t]*(\S+)/im.exec(requestHead)?.[1];
}

/** A `match` option that picks DynamoDB operations by name, e.g. `matchOperations("PutItem")`. */
export function matchOperations(...operations: string[]): (requestHead: string) => boolean {
  const wanted = new Set(operations.map((op) => op.toLowerCase()));
  return (head) => {
    const name = amzTarget(head)?.split(".").pop()?.toLowerCase();
    return name !== undefined && wanted.has(name);
  };
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`drop rate must be in [0, 1]: ${rate}`);
  return rate;
}

/**
 * Cuts a byte stream into whole HTTP/1.1 messages. Bytes are buffered until the current message
 * is complete, so a message is always relayed (or withheld) as a unit.
 */
class Splitter {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes needed before parsing again; avoids re-concatenating a large body on every chunk. */
  private need = 1;
  private untilClose = false;

  constructor(
    private readonly side: "request" | "response",
    private readonly onMessage: (head: string, bytes: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > MAX_MESSAGE) throw new Error("HTTP message too large for the fault proxy");
    if (this.size < this.need || this.untilClose) return;
    let buffer = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
    for (;;) {
      const length = this.messageLength(buffer);
      if (length === undefined) break;
      this.onMessage(
        buffer.toString("latin1", 0, buffer.indexOf("\r\n\r\n")),
        buffer.subarray(0, length),
      );
      buffer = buffer.subarray(length);
      this.need = 1;
    }
    this.chunks = buffer.length > 0 ? [buffer] : [];
    this.size = buffer.length;
  }

  /** The peer closed: a response framed by connection close is complete now. */
  finish(): void {
    if (this.size === 0) return;
    if (!this.untilClose) throw new Error("connection closed inside an HTTP message");
    const buffer = Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    this.onMessage(buffer.toString("latin1", 0, buffer.indexOf("\r\n\r\n")), buffer);
  }

  /** Total length of the first message in `buffer`, or undefined (setting `need`) if partial. */
  private messageLength(buffer: Buffer): number | undefined {
    const headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      if (buffer.length > MAX_HEAD) throw new Error("HTTP head too large");
      this.need = buffer.length + 1;
      return undefined;
    }
    const head = buffer.toString("latin1", 0, headEnd);
    const bodyStart = headEnd + 4;
    if (this.side === "response") {
      const status = Number(head.slice(9, 12));
      if ((status >= 100 && status < 200) || status === 204 || status === 304) return bodyStart;
    }
    if (/^transfer-encoding:.*chunked/im.test(head)) return this.chunkedLength(buffer, bodyStart);
    const contentLength = /^content-length:[ \t]*(\d+)[ \t]*$/im.exec(head)?.[1];
    if (contentLength !== undefined) {
      const total = bodyStart + Number(contentLength);
      if (buffer.length >= total) return total;
      this.need = total;
      return undefined;
    }
    if (this.side === "request") return bodyStart;
    this.untilClose = true;
    return undefined;
  }

  private chunkedLength(buffer: Buffer, from: number): number | undefined {
    let at = from;
    for (;;) {
      const lineEnd = buffer.indexOf("\r\n", at);
      if (lineEnd < 0) break;
      const size = Number.parseInt(buffer.toString("latin1", at, lineEnd).split(";")[0] ?? "", 16);
      if (Number.isNaN(size)) throw new Error("bad chunk size");
      if (size === 0) {
        const trailersEnd = buffer.indexOf("\r\n\r\n", lineEnd);
        if (trailersEnd >= 0) return trailersEnd + 4;
        break;
      }
      at = lineEnd + 2 + size + 2;
      if (buffer.length < at) break;
    }
    this.need = buffer.length + 1;
    return undefined;
  }
}
