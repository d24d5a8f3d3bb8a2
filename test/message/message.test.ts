import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BinaryMessage, InvalidStateError, Sink, Source, TextMessage } from "../../src/index.js";

describe("Message", () => {
  it("strict text: kind checks and accessors", async () => {
    const m = TextMessage.create("hi");
    assert.ok(m.isText() && m.isStrict());
    assert.equal(m.asTextMessage().getStrictText(), "hi");
    assert.throws(
      () => m.asBinaryMessage(),
      (e) => e instanceof InvalidStateError && e.code === "WS_ERR_WRONG_MESSAGE_KIND",
    );
    assert.deepEqual(await m.getStreamedText().runWith(Sink.seq()), ["hi"]);
    assert.equal(await m.toStrict(100), m);
  });

  it("strict binary: kind checks and accessors", async () => {
    const m = BinaryMessage.create(Uint8Array.of(1, 2));
    assert.ok(!m.isText() && m.isStrict());
    assert.deepEqual([...m.getStrictData()], [1, 2]);
    assert.throws(() => m.asTextMessage(), { code: "WS_ERR_WRONG_MESSAGE_KIND" });
    assert.equal((await m.getStreamedData().runWith(Sink.seq())).length, 1);
  });

  it("streamed messages: getStrict* throws, toStrict collects", async () => {
    const text = TextMessage.create(Source.from(["a", "b", "c"]));
    assert.ok(!text.isStrict());
    assert.throws(() => text.getStrictText(), { code: "WS_ERR_NOT_STRICT" });
    assert.equal((await text.toStrict(1000)).getStrictText(), "abc");
    const binary = BinaryMessage.create(Source.from([Uint8Array.of(1), Uint8Array.of(2, 3)]));
    assert.throws(() => binary.getStrictData(), { code: "WS_ERR_NOT_STRICT" });
    assert.deepEqual([...(await binary.toStrict(1000)).getStrictData()], [1, 2, 3]);
  });

  it("toStrict enforces its time-out and byte limit", async () => {
    await assert.rejects(TextMessage.create(Source.maybe<string>()).toStrict(20), {
      code: "WS_ERR_MESSAGE_TIMEOUT",
    });
    await assert.rejects(TextMessage.create(Source.from(["ééé"])).toStrict(1000, 5), {
      code: "WS_ERR_MESSAGE_TOO_LARGE",
    });
    await assert.rejects(BinaryMessage.create(new Uint8Array(10)).toStrict(1000, 9), {
      code: "WS_ERR_MESSAGE_TOO_LARGE",
    });
  });

  it("create refuses other types", () => {
    assert.throws(() => TextMessage.create(42 as unknown as string), { code: "WS_ERR_INVALID_ARGUMENT" });
    assert.throws(() => BinaryMessage.create("x" as unknown as Uint8Array), {
      code: "WS_ERR_INVALID_ARGUMENT",
    });
  });
});
