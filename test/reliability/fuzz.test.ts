import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resourceSnapshot } from "../helpers/resources.js";
import { fuzzOnce } from "./fuzz-core.js";

describe("fuzzing the receive path (seeded; `npm run fuzz` runs it longer)", () => {
  it("5,000 random and mutated frame streams, some compressed: messages or a documented failure, no exception, no hang", async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on("uncaughtException", onUncaught);
    const snapshot = resourceSnapshot();
    const tally: Record<string, number> = {};
    let compressedNormal = 0;
    try {
      for (let seed = 1; seed <= 5000; seed++) {
        const outcome = await fuzzOnce(seed);
        const key = outcome.kind === "normal" ? "normal" : outcome.code!;
        tally[key] = (tally[key] ?? 0) + 1;
        if (outcome.compressed && outcome.kind === "normal" && outcome.messages > 0) compressedNormal++;
      }
    } finally {
      process.off("uncaughtException", onUncaught);
    }
    assert.deepEqual(uncaught, []);
    assert.ok((tally.normal ?? 0) > 100, JSON.stringify(tally));
    assert.ok(Object.keys(tally).length > 5, `too little variety: ${JSON.stringify(tally)}`);
    // Compressed connections are in the mix, delivering messages and failing on bad compressed data.
    assert.ok(compressedNormal > 50, `${compressedNormal} compressed runs delivered messages`);
    assert.ok((tally.WS_ERR_INVALID_COMPRESSED_DATA ?? 0) > 0, JSON.stringify(tally));
    await snapshot.check(2000);
  });
});
