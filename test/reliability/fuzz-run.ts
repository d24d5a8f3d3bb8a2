/**
 * `npm run fuzz [-- iterations [first-seed]] [--server]`: the fuzz test, much longer — the client's
 * receive path, or with `--server` the server engine. Prints a tally; exits 1 on a finding.
 */
import { fuzzOnce } from "./fuzz-core.js";
import { fuzzServerOnce } from "./fuzz-server-core.js";

const server = process.argv.includes("--server");
const [iterationsArg, firstArg] = process.argv.slice(2).filter((arg) => arg !== "--server");
const iterations = Number(iterationsArg ?? 100_000);
const first = Number(firstArg ?? 1_000_000);

/** One run, as a tally key (the outcome) and whether it was checked against its script's model. */
async function runOnce(seed: number): Promise<{ key: string; checked: boolean }> {
  if (server) {
    const outcome = await fuzzServerOnce(seed);
    return {
      key: `${outcome.closeCode}/${outcome.serverCloseCode ?? "-"}`,
      checked: outcome.modelChecked === true,
    };
  }
  const outcome = await fuzzOnce(seed);
  return {
    key: outcome.kind === "normal" ? "normal" : outcome.code!,
    checked: outcome.modelChecked === true,
  };
}

const tally: Record<string, number> = {};
let checked = 0;
const started = performance.now();
for (let seed = first; seed < first + iterations; seed++) {
  try {
    const outcome = await runOnce(seed);
    tally[outcome.key] = (tally[outcome.key] ?? 0) + 1;
    if (outcome.checked) checked++;
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
  if ((seed - first + 1) % 10_000 === 0) console.log(`${seed - first + 1} runs`, JSON.stringify(tally));
}
console.log(
  `${iterations} ${server ? "server " : ""}runs in ${((performance.now() - started) / 1000).toFixed(1)} s, no finding (${checked} valid ones checked against their model)`,
  JSON.stringify(tally),
);
