/**
 * The package as it ships: `exports` and `bin` name the bundles `npm run build` makes (dist/wsflow.js,
 * dist/wsflow-cli.js), not the files under dist/src the other tests import. The bundle must export
 * what the source exports, and work: checked in a process of its own (bundle-user.ts), as a user
 * would load it, so that this process never holds a second copy of the library.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as source from "../../src/index.js";
import { startWsServer, type TestServer } from "../helpers/ws-server.js";

/** The repository root, from dist/test/package. */
const root = join(import.meta.dirname, "..", "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  main: string;
  types: string;
  exports: { ".": { types: string; import: string } };
  bin: { wsflow: string };
  files: string[];
};

/** Runs this runtime's executable with `args`; resolves with what it printed. */
function runOwnRuntime(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: 20_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe("the package's bundle", () => {
  let server: TestServer;
  before(async () => {
    server = await startWsServer();
  });
  after(() => server.close());

  it("is where package.json points, with its types and the command", () => {
    for (const path of [pkg.main, pkg.exports["."].import, pkg.types, pkg.exports["."].types, pkg.bin.wsflow])
      assert.ok(existsSync(join(root, path)), `${path} is missing`);
    assert.equal(pkg.main, pkg.exports["."].import);
    assert.ok(pkg.files.includes(pkg.main.replace(/^\.\//, "")));
    assert.ok(pkg.files.includes(pkg.bin.wsflow.replace(/^\.\//, "")));
    assert.match(readFileSync(join(root, pkg.bin.wsflow), "utf8"), /^#!\/usr\/bin\/env node\n/);
  });

  it("carries its own code: it imports nothing but Node's modules (no file under dist/src)", () => {
    for (const path of [pkg.exports["."].import, pkg.bin.wsflow]) {
      const text = readFileSync(join(root, path), "utf8");
      const specifiers = [...text.matchAll(/^import\b[^;]*?from\s*"([^"]+)"/gm)].map((m) => m[1]);
      assert.ok(specifiers.length > 0, `${path}: no import found, so this check would see nothing`);
      assert.deepEqual(
        specifiers.filter((s) => !s!.startsWith("node:")),
        [],
        path,
      );
      assert.doesNotMatch(text, /import\(\s*["'][./]/, `${path} imports a file dynamically`);
    }
  });

  it("loads none of Node's http, https and tls modules when imported (a ws: client needs none)", {
    // Bun has the list but leaves it empty; Deno has none.
    skip:
      "Deno" in globalThis || process.versions.bun !== undefined
        ? "Node only: process.moduleLoadList"
        : false,
  }, async () => {
    const bundle = join(root, pkg.exports["."].import);
    const script = `await import(${JSON.stringify(bundle)});
      const loaded = (name) => process.moduleLoadList.includes("NativeModule " + name);
      console.log(JSON.stringify(["net", "http", "https", "tls"].filter(loaded)));`;
    const output = await runOwnRuntime(["--input-type=module", "-e", script]);
    // net is the transport's own; the others are loaded on first use (a server, a wss: connection).
    assert.deepEqual(JSON.parse(output), ["net"]);
  });

  it("exports what the source exports, and echoes through it, in a process of its own", async () => {
    const user = join(import.meta.dirname, "bundle-user.js");
    const onDeno = "Deno" in globalThis;
    const args = onDeno ? ["run", "--allow-all", user, server.url()] : [user, server.url()];
    const output = await runOwnRuntime(args);
    const seen = JSON.parse(output) as { exports: string[]; text: string; binary: number[] };
    assert.deepEqual(seen.exports, Object.keys(source).sort());
    assert.equal(seen.text, "from the bundle");
    assert.deepEqual(seen.binary, [1, 2, 3]);
  });
});
