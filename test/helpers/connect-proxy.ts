/**
 * An HTTP CONNECT proxy on 127.0.0.1 for the proxy tests: it reads the request head, optionally
 * checks `Proxy-Authorization`, opens a TCP connection to the requested target (which must be on
 * loopback) and then passes bytes both ways. `answer` replaces its behaviour for hostile cases.
 */
import * as net from "node:net";

export interface ConnectProxy {
  readonly port: number;
  readonly url: string;
  /** Each CONNECT request head received, as text. */
  readonly requests: string[];
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  /** The `Proxy-Authorization` value required; without it the proxy answers 407. */
  readonly requireAuthorization?: string;
  /**
   * Answers instead of tunnelling: the bytes to write (then the socket stays open unless `end`),
   * "silent" (never answers) or "close" (closes without answering).
   */
  readonly answer?: (head: string) => { bytes: string; end?: boolean } | "silent" | "close";
  /** Sent with the 200, before any byte from the target (a proxy that is not transparent). */
  readonly extraAfterAnswer?: string;
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const sockets = new Set<net.Socket>();
  const requests: string[] = [];
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  };
  const server = net.createServer((client) => {
    track(client);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end === -1) return;
      client.off("data", onData);
      client.pause();
      const head = buffered.subarray(0, end).toString("latin1");
      const rest = buffered.subarray(end + 4);
      requests.push(head);
      const custom = options.answer?.(head);
      if (custom === "silent") return;
      if (custom === "close") return void client.destroy();
      if (custom !== undefined) {
        client.write(custom.bytes);
        if (custom.end) client.end();
        return;
      }
      const authorization = /^proxy-authorization: *(.*)$/im.exec(head)?.[1];
      if (options.requireAuthorization !== undefined && authorization !== options.requireAuthorization) {
        client.end(
          'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n',
        );
        return;
      }
      const target = /^CONNECT (\S+):(\d+) HTTP\/1\.1$/m.exec(head);
      const host = target?.[1]?.replace(/^\[|\]$/g, "");
      if (!target || !host || !["127.0.0.1", "::1", "localhost"].includes(host)) {
        client.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      const upstream = net.connect(Number(target[2]), host);
      track(upstream);
      upstream.on("error", () => client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"));
      upstream.on("connect", () => {
        client.write(`HTTP/1.1 200 Connection established\r\n\r\n${options.extraAfterAnswer ?? ""}`);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
