/** `npm run fuzz [-- iterations [first-seed]]`: the fuzz test, much longer. Prints a tally; exits 1 on a finding. */
import { fuzzOnce } from "./fuzz-core.js";

const iterations = Number(process.argv[2] ?? 100_000);
const first = Number(process.argv[3] ?? 1_000_000);
const tally: Record<string, number> = {};
let checked = 0;
const started = performance.now();
for (let seed = first; seed < first + iterations; seed++) {
  try {
    const outcome = await fuzzOnce(seed);
    const key = outcome.kind === "normal" ? "normal" : outcome.code!;
    tally[key] = (tally[key] ?? 0) + 1;
    if (outcome.modelChecked) checked++;
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
  if ((seed - first + 1) % 10_000 === 0) console.log(`${seed - first + 1} runs`, JSON.stringify(tally));
}
console.log(
  `${iterations} runs in ${((performance.now() - started) / 1000).toFixed(1)} s, no finding (${checked} valid ones checked against their model)`,
  JSON.stringify(tally),
);
