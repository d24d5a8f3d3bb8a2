import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

/** The repository root, from dist/test/docs. */
const root = join(import.meta.dirname, "..", "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("docs/errors.md", () => {
  it("lists every error code used in src/", () => {
    const doc = readFileSync(join(root, "docs", "errors.md"), "utf8");
    const codes = new Set<string>();
    for (const file of sources(join(root, "src"))) {
      for (const match of readFileSync(file, "utf8").matchAll(/"((?:WS|STREAM)_ERR_[A-Z0-9_]+)"/g))
        codes.add(match[1]!);
    }
    assert.ok(codes.size > 20);
    const missing = [...codes].filter((code) => !doc.includes(`\`${code}\``));
    assert.deepEqual(missing, []);
  });
});
