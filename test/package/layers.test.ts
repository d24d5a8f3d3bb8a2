/**
 * DESIGN.md's layer table, checked on the source: which layer each file may import, and that only
 * the transport and the command touch Node's modules (the pure layers stay sans-I/O). One
 * deliberate widening of the table: the transport imports the codec too (connection errors, the
 * frame arena it hands written frames back to), which sits below every layer.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";

/** The repository's src/, from dist/test/package. */
const src = join(import.meta.dirname, "..", "..", "..", "src");

const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  codec: [],
  protocol: ["codec"],
  handshake: ["codec"],
  extensions: ["codec"],
  stream: [],
  message: ["codec", "stream"],
  engine: ["codec", "protocol", "handshake", "extensions", "stream", "message"],
  transport: ["codec", "stream"],
  api: ["codec", "protocol", "handshake", "extensions", "stream", "message", "engine", "transport"],
  cli: ["api"],
};
/** The layers that may import Node's modules. */
const TOUCH_NODE = new Set(["transport", "cli"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** A file's layer: its folder under src/, or "api" for src/index.ts. */
function layerOf(file: string): string {
  const parts = relative(src, file).split(/[\\/]/);
  return parts.length === 1 ? "api" : parts[0]!;
}

describe("the layer table of DESIGN.md", () => {
  it("every import goes to the file's own layer, one it may import, or (transport, cli) Node", () => {
    const broken: string[] = [];
    let imports = 0;
    const files = sourceFiles(src);
    assert.ok(files.length > 50, `${files.length} source files found under ${src}`);
    for (const file of files) {
      const layer = layerOf(file);
      const allowed = MAY_IMPORT[layer];
      assert.ok(allowed !== undefined, `${relative(src, file)}: a folder the table does not name`);
      const text = readFileSync(file, "utf8");
      // Static imports and re-exports (side-effect imports too), and modules loaded with require().
      const targets = [
        ...text.matchAll(/^(?:import|export)\s[^;"]*?\bfrom\s*"([^"]+)"/gm),
        ...text.matchAll(/^import\s*"([^"]+)"/gm),
        ...text.matchAll(/require\(\s*"([^"]+)"\s*\)/g),
      ];
      for (const [, target] of targets) {
        imports++;
        const name = relative(src, file);
        if (target!.startsWith("node:")) {
          if (!TOUCH_NODE.has(layer)) broken.push(`${name} imports ${target}`);
          continue;
        }
        if (!target!.startsWith(".")) {
          broken.push(`${name} imports the package ${target} (wsflow has no runtime dependencies)`);
          continue;
        }
        const targetLayer = layerOf(join(file, "..", target!));
        if (
          targetLayer !== layer &&
          !allowed.includes(targetLayer) &&
          !(layer === "cli" && targetLayer === "api")
        )
          broken.push(`${name} (${layer}) imports ${target} (${targetLayer})`);
      }
    }
    assert.ok(imports > 300, `only ${imports} imports found: the pattern missed some`);
    assert.deepEqual(broken, []);
  });
});
