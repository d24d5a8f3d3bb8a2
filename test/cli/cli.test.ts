import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  Flow,
  Http,
  Keep,
  type Message,
  Sink,
  Source,
  ValidUpgrade,
  WebSocketRequest,
} from "../../src/index.js";
import { startConnectProxy } from "../helpers/connect-proxy.js";
import { startWsServer, type TestServer } from "../helpers/ws-server.js";

/** The command as the package ships it: the bundle `npm run build` makes (`bin` in package.json). */
const cli = join(import.meta.dirname, "..", "..", "wsflow-cli.js");
const onDeno = "Deno" in globalThis;
/** The command running `cli` under the runtime running these tests (Deno wants `run` and permissions). */
const [runtime, ...runtimeArgs] = onDeno ? [process.execPath, "run", "--allow-all"] : [process.execPath];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command with `input` on a pipe. */
function run(args: string[], input = "", timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(runtime!, [...runtimeArgs, cli, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe("the wsflow command", () => {
  let server: TestServer;
  before(async () => {
    server = await startWsServer();
  });
  after(() => server.close());

  it("with no URL: an embedded echo server on 127.0.0.1, pipe mode round trip, exit 0", async () => {
    const r = await run([], "hello\nwörld\n\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hello\nwörld\n\n");
    assert.match(r.stderr, /echo server listening on ws:\/\/127\.0\.0\.1:\d+\//);
    assert.match(r.stderr, /closed 1000/);
  });

  it("through a ws server, with headers and auth reaching it", async () => {
    const r = await run(
      [server.url("/cli"), "-H", "X-Trace: abc", "--auth", "ann:s3cret", "--origin", "http://o.example"],
      "one\ntwo\n",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "one\ntwo\n");
    const request = server.requests.at(-1)!;
    assert.equal(request.url, "/cli");
    assert.equal(request.headers["x-trace"], "abc");
    assert.equal(request.headers.authorization, `Basic ${Buffer.from("ann:s3cret").toString("base64")}`);
    assert.equal(request.headers.origin, "http://o.example");
  });

  it("--json prints one JSON object per event", async () => {
    const r = await run(["--json"], "x\n");
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string });
    assert.deepEqual(
      events.map((e) => e.event),
      ["listening", "open", "message", "close"],
    );
    assert.deepEqual(events[2], { event: "message", kind: "text", data: "x" });
  });

  it("an upgrade failure exits 1 and shows the status and body", async () => {
    const http = createServer((_req, res) => {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("no such endpoint");
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    try {
      const r = await run([`ws://127.0.0.1:${(http.address() as { port: number }).port}/missing`], "");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /HTTP 404/);
      assert.match(r.stderr, /no such endpoint/);
    } finally {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });

  it("--proxy tunnels through an HTTP proxy; a refusal exits 1 naming the proxy and its status", async () => {
    const proxy = await startConnectProxy({
      requireAuthorization: `Basic ${Buffer.from("ann:pw").toString("base64")}`,
    });
    try {
      const through = await run(
        [server.url("/proxied"), "--proxy", `http://ann:pw@127.0.0.1:${proxy.port}`],
        "hi\n",
      );
      assert.equal(through.code, 0, through.stderr);
      assert.equal(through.stdout, "hi\n");
      assert.match(proxy.requests[0]!, new RegExp(`^CONNECT 127\\.0\\.0\\.1:${server.port} HTTP/1\\.1`));
      const refused = await run([server.url(), "--proxy", `127.0.0.1:${proxy.port}`], "");
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /the proxy 127\.0\.0\.1:\d+ answered 407/);
    } finally {
      await proxy.close();
    }
  });

  it("--deflate offers permessage-deflate, and says when it was agreed", async () => {
    const r = await run([server.url("/deflate"), "--deflate"], "compress me\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "compress me\n");
    assert.match(String(server.requests.at(-1)!.headers["sec-websocket-extensions"]), /^permessage-deflate/);
    // ws's server declines it by default; the embedded echo server accepts it.
    assert.match(r.stderr, /connected to ws:\/\/127\.0\.0\.1:\d+\/deflate\n/);
    const embedded = await run(["--deflate"], `${"compressible ".repeat(200)}\n`);
    assert.equal(embedded.code, 0, embedded.stderr);
    assert.equal(embedded.stdout, `${"compressible ".repeat(200)}\n`);
    assert.match(embedded.stderr, /connected to ws:\/\/127\.0\.0\.1:\d+\/ \(permessage-deflate\)\n/);
    const plain = await run([], "x\n");
    assert.doesNotMatch(plain.stderr, /permessage-deflate/);
  });

  it("a refused connection exits 1", async () => {
    const r = await run(["ws://127.0.0.1:9/"], "");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /connection failed/);
  });

  it("an abnormal close exits 3", async () => {
    const closing = await startWsServer({}, (ws) => ws.close(4001, "kicked"));
    try {
      const r = await run([closing.url()], "");
      assert.equal(r.code, 3);
      assert.match(r.stderr, /closed 4001 kicked/);
    } finally {
      await closing.close();
    }
  });

  it("bad usage exits 2", async () => {
    assert.equal((await run(["--no-such-option"])).code, 2);
    assert.equal((await run(["http://not-ws/"])).code, 2);
    assert.equal((await run(["ws://a/", "ws://b/"])).code, 2);
    assert.equal((await run(["-H", "no colon"])).code, 2);
    assert.equal((await run(["--proxy", "https://127.0.0.1:3128"])).code, 2);
  });

  it("serve runs the echo server until interrupted", async () => {
    const child = spawn(runtime!, [...runtimeArgs, cli, "serve", "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      const deadline = Date.now() + 10_000;
      while (!/listening on (ws:\S+)/.test(stderr) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const url = /listening on (ws:\S+)/.exec(stderr)![1]!;
      const r = await run([url], "served\n");
      assert.equal(r.stdout, "served\n");
      // A connection still open when interrupted is closed with 1001 (going away), not dropped.
      const [upgrade] = Http.get().singleWebSocketRequest(
        WebSocketRequest.create(url),
        Flow.fromSinkAndSourceMat(Sink.ignore<Message>(), Source.maybe<Message>(), Keep.right),
      );
      const open = await upgrade;
      assert.ok(open instanceof ValidUpgrade);
      child.kill("SIGINT");
      assert.equal((await open.closed).code, 1001);
      const code = await exited;
      // Deno's child_process reports the signal it sent, not the exit status of a child that
      // handled it (seen with Deno 2.9: the child ran its handler, the parent got null).
      if (!onDeno) assert.equal(code, 0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("--help and --version", async () => {
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage:/);
    const version = await run(["--version"]);
    assert.match(version.stdout, /^wsflow \d+\.\d+\.\d+/);
  });
});

describe("the wsflow command, interactive under a pseudo-terminal", () => {
  const hasScript = (() => {
    try {
      return spawnSync("script", ["--version"]).status === 0;
    } catch {
      return false;
    }
  })();

  it("prompts, sends typed lines, prints incoming ones, runs /commands, ends on Ctrl-D", {
    skip: !hasScript && "no `script` command",
  }, async () => {
    const child = spawn(
      "script",
      ["-qfec", [runtime, ...runtimeArgs, cli, "--no-color"].join(" "), "/dev/null"],
      {
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let screen = "";
    child.stdout.on("data", (d) => {
      screen += d;
    });
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(screen)) {
        if (Date.now() > deadline) throw new Error(`did not see ${pattern} in: ${screen}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await waitFor(/connected to ws:\/\/127\.0\.0\.1/);
      child.stdin.write("hi there\n");
      await waitFor(/< hi there/);
      child.stdin.write("/binary 01ff\n");
      await waitFor(/< \[binary 2 bytes\] 01ff/);
      child.stdin.write("/ping\n");
      await waitFor(/pong after [\d.]+ ms/);
      child.stdin.write("\x03"); // Ctrl-C: close cleanly with 1000 and exit
      await waitFor(/closed 1000/);
      assert.equal(await exited, 0);
    } finally {
      child.kill();
    }
  });
});
