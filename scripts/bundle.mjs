// Bundles what `tsc` compiled into the package's two entry points: the library (dist/wsflow.js) and the
// `wsflow` command (dist/wsflow-cli.js). One module loads in ~25 ms where the hundred files it is made of
// take ~70 (Node's loader pays per module: resolving, reading, compiling); see docs/performance.md,
// "Start-up". The files under dist/src stay: the tests and benchmarks run them, and their .d.ts files
// are the package's types.
import { build } from "esbuild";

const common = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Names kept (no minification): stack traces from the bundle read like the source.
  sourcemap: true,
  logLevel: "warning",
};

await build({ ...common, entryPoints: ["dist/src/index.js"], outfile: "dist/wsflow.js" });
// The command's entry keeps its `#!/usr/bin/env node` line (esbuild preserves an entry's hashbang).
await build({ ...common, entryPoints: ["dist/src/cli/main.js"], outfile: "dist/wsflow-cli.js" });
