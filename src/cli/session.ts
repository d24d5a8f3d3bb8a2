/**
 * One client session of the command: connect, pump stdin lines (or commands) out as messages,
 * print incoming messages, close, and say how it ended (the exit status).
 */
import * as readline from "node:readline";
import type { Readable } from "node:stream";
import {
  Authorization,
  BinaryMessage,
  ClientTransport,
  Flow,
  Http,
  InvalidArgumentError,
  Keep,
  type Message,
  type PartialClientConnectionSettings,
  Sink,
  Source,
  type SourceQueue,
  TextMessage,
  type ValidUpgrade,
  WebSocketRequest,
} from "../index.js";
import type { CliOptions } from "./cli-options.js";
import type { Printer } from "./printer.js";

/** Exit statuses. */
export const Exit = { Ok: 0, ConnectionFailed: 1, Usage: 2, AbnormalClose: 3 } as const;

/** Runs a session against `url`; resolves with the exit status. */
export async function runSession(
  url: string,
  options: CliOptions,
  printer: Printer,
  io: { readonly stdin: Readable; readonly interactive: boolean; readonly prompt: NodeJS.WritableStream },
): Promise<number> {
  let request = WebSocketRequest.create(url);
  for (const [name, value] of options.headers) request = request.addHeader(name, value);
  if (options.auth)
    request = request.addHeader(Authorization.basic(options.auth.user, options.auth.password));
  if (options.origin !== undefined) request = request.addHeader("Origin", options.origin);
  if (options.subprotocols.length > 0) request = request.requestSubprotocol(...options.subprotocols);

  const settings: PartialClientConnectionSettings = {
    ...(options.proxy !== undefined ? { transport: ClientTransport.httpsProxy(options.proxy) } : {}),
    websocket: {
      ...(options.deflate ? { perMessageDeflate: true } : {}),
      ...(options.maxMessage !== undefined
        ? { maxMessageSize: options.maxMessage, maxFrameSize: options.maxMessage }
        : {}),
      ...(options.pingSeconds !== undefined ? { periodicKeepAliveMaxIdle: options.pingSeconds * 1000 } : {}),
      ...(options.showPingPong
        ? {
            logFrames: (line: string) => {
              if (/ (ping|pong) /.test(` ${line} `)) printer.status("frame", line, { frame: line });
            },
          }
        : {}),
    },
  };
  const tls = {
    ...(options.insecure ? { rejectUnauthorized: false } : {}),
    ...(options.ca ? { ca: options.ca } : {}),
  };

  const incoming = Sink.foreachAsync<Message>(1, async (message) => {
    const strict = await message.toStrict(60_000, options.maxMessage);
    if (strict.isText()) printer.message("text", strict.getStrictText());
    else printer.message("binary", strict.asBinaryMessage().getStrictData());
  });
  const outgoing = Source.queue<Message>(64, "backpressure");
  const [upgradePromise, [incomingDone, queue]] = Http.get().singleWebSocketRequest(
    request,
    Flow.fromSinkAndSourceMat(incoming, outgoing, Keep.both),
    { settings, tls },
  );

  let upgrade: ValidUpgrade;
  try {
    const response = await upgradePromise;
    if (!response.isValid) {
      const body = new TextDecoder().decode(response.response.body);
      printer.failure(`upgrade failed: HTTP ${response.response.status} ${response.response.statusText}`, {
        status: response.response.status,
        body,
        reason: response.invalidationReason,
      });
      if (body && !options.json) printer.detail(body);
      return Exit.ConnectionFailed;
    }
    upgrade = response as ValidUpgrade;
  } catch (error) {
    printer.failure(`connection failed: ${(error as Error).message}`, {
      code: (error as { code?: string }).code,
    });
    return Exit.ConnectionFailed;
  }
  const agreed = [
    ...(upgrade.chosenSubprotocol ? [`subprotocol ${upgrade.chosenSubprotocol}`] : []),
    ...upgrade.extensions.map((e) => e.name),
  ];
  printer.status(
    "open",
    `connected to ${url}${agreed.length > 0 ? ` (${agreed.join(", ")})` : ""}`,
    {
      url,
      subprotocol: upgrade.chosenSubprotocol ?? null,
      extensions: upgrade.extensions.map((e) => e.name),
    },
    "green",
  );

  const input = pumpInput(io, queue, upgrade, printer);
  await incomingDone.catch(() => {}); // how it ended is read from `closed`
  const closed = await upgrade.closed;
  input.stop();
  // Normal: 1000, 1001, or a Close without a code; anything else (4xxx, 1011, 1006 …) is reported as abnormal.
  const normal = closed.code === 1000 || closed.code === 1001 || closed.code === 1005;
  printer.status(
    "close",
    `closed ${closed.code}${closed.reason ? ` ${closed.reason}` : ""}${closed.wasClean ? "" : " (abnormal)"}`,
    { code: closed.code, reason: closed.reason, wasClean: closed.wasClean },
    normal ? "dim" : "yellow",
  );
  return normal ? Exit.Ok : Exit.AbnormalClose;
}

/** Reads stdin: lines become messages; in a terminal, /commands act on the connection. */
function pumpInput(
  io: { readonly stdin: Readable; readonly interactive: boolean; readonly prompt: NodeJS.WritableStream },
  queue: SourceQueue<Message>,
  upgrade: ValidUpgrade,
  printer: Printer,
): { stop(): void } {
  const rl = readline.createInterface({
    input: io.stdin,
    ...(io.interactive ? { output: io.prompt, prompt: "> ", terminal: true } : { terminal: false }),
  });
  let interrupted = false;
  let pending: Promise<unknown> = Promise.resolve();
  const send = (message: Message) => {
    // Lines are offered in order; the queue back-pressures a fast pipe.
    pending = pending.then(() => queue.offer(message));
  };
  rl.on("line", (line) => {
    if (io.interactive && line.startsWith("/")) runCommand(line, upgrade, printer, send);
    else send(TextMessage.create(line));
    if (io.interactive) rl.prompt();
  });
  rl.on("close", () => {
    // End of input: close normally once the last line is out.
    if (!interrupted) pending.then(() => queue.complete());
  });
  const onInterrupt = () => {
    if (interrupted) process.exit(Exit.AbnormalClose);
    interrupted = true;
    printer.status("interrupt", "closing (Ctrl-C again to quit at once)");
    upgrade.close(1000, "");
  };
  rl.on("SIGINT", onInterrupt);
  process.on("SIGINT", onInterrupt);
  if (io.interactive) rl.prompt();
  return {
    stop() {
      process.off("SIGINT", onInterrupt);
      rl.close();
      io.stdin.pause();
    },
  };
}

function runCommand(line: string, upgrade: ValidUpgrade, printer: Printer, send: (m: Message) => void): void {
  const [command, ...args] = line.trim().split(/\s+/);
  try {
    switch (command) {
      case "/ping":
        upgrade.ping(args.join(" ")).then(
          (ms) => printer.status("pong", `pong after ${ms.toFixed(1)} ms`, { rttMs: ms }),
          (error: Error) => printer.failure(`ping failed: ${error.message}`),
        );
        return;
      case "/close": {
        const code = args[0] === undefined ? 1000 : Number(args[0]);
        upgrade.close(code, args.slice(1).join(" "));
        return;
      }
      case "/binary": {
        const hex = args.join("");
        if (!/^([0-9a-fA-F]{2})*$/.test(hex))
          throw new InvalidArgumentError("/binary wants hex digits, e.g. /binary 01ff");
        send(BinaryMessage.create(Buffer.from(hex, "hex")));
        return;
      }
      case "/help":
        printer.status("help", "/ping [text]   /close [code] [reason]   /binary <hex>   /help");
        return;
      default:
        printer.failure(
          `unknown command ${command}: try /help (start a message with a space to send a slash)`,
        );
    }
  } catch (error) {
    printer.failure((error as Error).message);
  }
}
