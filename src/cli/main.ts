#!/usr/bin/env node
/**
 * The `wsflow` command: an interactive (or piped) WebSocket client, with an embedded echo server
 * when no URL is given, and `wsflow serve` to run only the server. See `wsflow --help`.
 */
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../index.js";
import { parseCliOptions, USAGE, UsageError } from "./cli-options.js";
import { startEchoServer } from "./echo-server.js";
import { Printer } from "./printer.js";
import { Exit, runSession } from "./session.js";

/** The version in wsflow's package.json: the nearest one above this module, bundled (dist/) or not (dist/src/cli/). */
function version(): string {
  for (let dir = new URL("./", import.meta.url); ; dir = new URL("../", dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "wsflow" && pkg.version !== undefined) return pkg.version;
    } catch {
      // none here: look further up
    }
    if (new URL("../", dir).href === dir.href) return "unknown";
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseCliOptions>;
  try {
    options = parseCliOptions(argv, process.stdout.isTTY === true);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`wsflow: ${error.message}\n\n${USAGE}\n`);
    return Exit.Usage;
  }
  if (options.command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return Exit.Ok;
  }
  if (options.command === "version") {
    process.stdout.write(`wsflow ${version()}\n`);
    return Exit.Ok;
  }
  const interactive = process.stdin.isTTY === true && !options.json;
  const printer = new Printer(process.stdout, process.stderr, {
    json: options.json,
    color: options.color,
    interactive,
  });

  if (options.command === "serve") {
    const binding = await startEchoServer(options.host, options.port);
    printer.status(
      "listening",
      `echo server listening on ${binding.url()} (Ctrl-C to stop)`,
      { url: binding.url() },
      "green",
    );
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    await binding.unbind();
    return Exit.Ok;
  }

  const embedded = options.url === undefined ? await startEchoServer(options.host, options.port) : undefined;
  if (embedded)
    printer.status(
      "listening",
      `echo server listening on ${embedded.url()}`,
      { url: embedded.url() },
      "green",
    );
  const url = options.url ?? embedded!.url();
  try {
    return await runSession(url, options, printer, {
      stdin: process.stdin,
      interactive,
      prompt: process.stdout,
    });
  } catch (error) {
    // A bad URL or header: the user's input, reported as usage.
    if (error instanceof InvalidArgumentError) {
      process.stderr.write(`wsflow: ${error.message}\n`);
      return Exit.Usage;
    }
    throw error;
  } finally {
    await embedded?.unbind();
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`wsflow: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = Exit.ConnectionFailed;
  },
);
