/**
 * One sample of the start-up benchmark, in a fresh process (bench/startup.ts spawns it): loads one
 * WebSocket library, then opens a connection to the echo server at the URL given, echoes one text
 * message and closes. Prints, as JSON, milliseconds from the process's start (`performance.now()`
 * counts from it) to the library loaded and to the connection closed. Imports nothing but what it
 * measures, so the figures are the library's.
 *
 * Arguments: `<client> <url>`, client being wsflow-bundle, wsflow-files, ws or undici.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Wsflow from "../src/index.js";

const [client, url] = process.argv.slice(2) as [string, string];
const root = join(import.meta.dirname, "..", "..");
const begun = performance.now();

/** Loads the client's library; returns a function doing the echo. */
async function load(): Promise<() => Promise<void>> {
  switch (client) {
    case "wsflow-bundle":
    case "wsflow-files": {
      const entry = client === "wsflow-bundle" ? "dist/wsflow.js" : "dist/src/index.js";
      const w = (await import(pathToFileURL(join(root, entry)).href)) as typeof Wsflow;
      return async () => {
        let queue!: Wsflow.SourceQueue<Wsflow.Message>;
        const [upgrade, q] = w.Http.get().singleWebSocketRequest(
          w.WebSocketRequest.create(url),
          w.Flow.fromSinkAndSourceMat(
            w.Sink.foreach<Wsflow.Message>(() => queue.complete()),
            w.Source.queue<Wsflow.Message>(1, "backpressure"),
            w.Keep.right,
          ),
        );
        queue = q;
        q.offer(w.TextMessage.create("hello"));
        const response = await upgrade;
        if (!(response instanceof w.ValidUpgrade)) throw new Error("no upgrade");
        await response.closed;
      };
    }
    case "ws": {
      const { default: WebSocket } = await import("ws");
      return () =>
        new Promise<void>((resolve, reject) => {
          const socket = new WebSocket(url);
          socket.on("open", () => socket.send("hello"));
          socket.on("message", () => socket.close());
          socket.on("close", () => resolve());
          socket.on("error", reject);
        });
    }
    case "undici": {
      const { WebSocket } = await import("undici");
      return () =>
        new Promise<void>((resolve, reject) => {
          const socket = new WebSocket(url);
          socket.onopen = () => socket.send("hello");
          socket.onmessage = () => socket.close();
          socket.onclose = () => resolve();
          socket.onerror = () => reject(new Error("undici: error event"));
        });
    }
    default:
      throw new Error(`unknown client ${client}`);
  }
}

const echo = await load();
const loaded = performance.now();
await echo();
const closed = performance.now();
process.stdout.write(JSON.stringify({ begun, loadMs: loaded - begun, loaded, closed }));
