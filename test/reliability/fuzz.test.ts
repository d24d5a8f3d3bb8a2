import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resourceSnapshot } from "../helpers/resources.js";
import { fuzzOnce } from "./fuzz-core.js";
import { fuzzServerOnce } from "./fuzz-server-core.js";

/** Runs `body`, returning the exceptions nobody caught meanwhile (there must be none). */
async function collectUncaught(body: () => Promise<void>): Promise<unknown[]> {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on("uncaughtException", onUncaught);
  try {
    await body();
  } finally {
    process.off("uncaughtException", onUncaught);
  }
  return uncaught;
}

describe("fuzzing the receive path (seeded; `npm run fuzz` runs it longer)", () => {
  it("5,000 random and mutated frame streams, some compressed: messages or a documented failure, no exception, no hang; valid ones delivered exactly", async () => {
    const snapshot = resourceSnapshot();
    const tally: Record<string, number> = {};
    let compressedNormal = 0;
    let checked = 0;
    const uncaught = await collectUncaught(async () => {
      for (let seed = 1; seed <= 5000; seed++) {
        const outcome = await fuzzOnce(seed);
        const key = outcome.kind === "normal" ? "normal" : outcome.code!;
        tally[key] = (tally[key] ?? 0) + 1;
        if (outcome.compressed && outcome.kind === "normal" && outcome.messages > 0) compressedNormal++;
        if (outcome.modelChecked) checked++;
      }
    });
    assert.deepEqual(uncaught, []);
    assert.ok((tally.normal ?? 0) > 100, JSON.stringify(tally));
    assert.ok(Object.keys(tally).length > 5, `too little variety: ${JSON.stringify(tally)}`);
    // Compressed connections are in the mix, delivering messages and failing on bad compressed data.
    assert.ok(compressedNormal > 50, `${compressedNormal} compressed runs delivered messages`);
    assert.ok((tally.WS_ERR_INVALID_COMPRESSED_DATA ?? 0) > 0, JSON.stringify(tally));
    // Valid scripts were held to their model (fuzzOnce throws on any difference) in many runs.
    assert.ok(checked > 500, `${checked} runs checked against their model`);
    await snapshot.check(2000);
  });

  it("3,000 streams from a hostile client into the server engine, some compressed: every connection ends, no exception; valid ones echoed exactly", async () => {
    const snapshot = resourceSnapshot();
    const codes: Record<string, number> = {};
    let compressedEchoes = 0;
    let checked = 0;
    const sent = new Set<number>();
    const uncaught = await collectUncaught(async () => {
      for (let seed = 1; seed <= 3000; seed++) {
        const outcome = await fuzzServerOnce(seed);
        const key = `${outcome.closeCode}/${outcome.serverCloseCode ?? "-"}`;
        codes[key] = (codes[key] ?? 0) + 1;
        if (outcome.compressed && outcome.closeCode === 1000 && outcome.messages > 0) compressedEchoes++;
        if (outcome.serverCloseCode !== undefined) sent.add(outcome.serverCloseCode);
        if (outcome.modelChecked) checked++;
      }
    });
    assert.deepEqual(uncaught, []);
    // Clean closing handshakes (the client's code, ours echoed) and dropped connections both occur…
    assert.ok((codes["1000/1000"] ?? 0) > 0 && (codes["1006/-"] ?? 0) > 0, JSON.stringify(codes));
    // …and the server failed connections for protocol errors and for bad UTF-8 or compressed data.
    for (const code of [1000, 1002, 1007])
      assert.ok(sent.has(code), `${[...sent]}: ${JSON.stringify(codes)}`);
    assert.ok(compressedEchoes > 30, `${compressedEchoes} compressed connections echoed and closed cleanly`);
    // Valid scripts got their echoes checked byte for byte (fuzzServerOnce throws on a difference).
    assert.ok(checked > 300, `${checked} runs checked against their model`);
    await snapshot.check(2000);
  });
});
