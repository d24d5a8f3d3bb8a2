import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  Flow,
  Http,
  Keep,
  type Message,
  type ServerBinding,
  Sink,
  Source,
  TextMessage,
  WebSocketRequest,
} from "../../src/index.js";
import { resourceSnapshot } from "../helpers/resources.js";
import { seededRandom } from "../helpers/seeded-random.js";

const http = Http.get();

function exchange(url: string, count: number, signal?: AbortSignal): Promise<string[]> {
  const outgoing = Source.range(1, count).map((i): Message => TextMessage.create(`m${i}`));
  const [, received] = http.singleWebSocketRequest(
    WebSocketRequest.create(url),
    Flow.fromSinkAndSourceMat(Sink.seq<Message>(), outgoing, Keep.left),
    signal ? { signal } : {},
  );
  return received.then((ms) => ms.map((m) => m.asTextMessage().getStrictText()));
}

describe("load and soak (bounded, loopback, stops by itself)", () => {
  let server: ServerBinding;
  before(async () => {
    server = await http.newServerAt("127.0.0.1", 0).bindFlow(() => Flow.create<Message>());
  });
  after(() => server.unbind());

  it("1,000 sequential connections, each exchanging messages", async () => {
    const snapshot = resourceSnapshot();
    for (let i = 0; i < 1000; i++) assert.deepEqual(await exchange(server.url(), 2), ["m1", "m2"]);
    await snapshot.check(2000);
  });

  it("500 concurrent connections, some aborted at random points: all end, nothing left, heap back near its start", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const snapshot = resourceSnapshot();
    const random = seededRandom(20261128);
    const runs = Array.from({ length: 500 }, () => {
      if (random() < 0.3) {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), Math.floor(random() * 20));
        return exchange(server.url(), 5, controller.signal).then(
          () => "completed",
          (e: { code?: string }) => e.code ?? "failed",
        );
      }
      return exchange(server.url(), 3).then((ms) => (ms.length === 3 ? "completed" : "short"));
    });
    const outcomes = await Promise.all(runs);
    const counts = outcomes.reduce<Record<string, number>>((acc, o) => {
      acc[o] = (acc[o] ?? 0) + 1;
      return acc;
    }, {});
    assert.equal(outcomes.length, 500);
    assert.ok((counts.completed ?? 0) >= 300, JSON.stringify(counts));
    assert.deepEqual(
      Object.keys(counts).filter((k) => k !== "completed" && k !== "WS_ERR_ABORTED"),
      [],
      JSON.stringify(counts),
    );
    await snapshot.check(5000);
    if (gc) {
      await new Promise((r) => setTimeout(r, 50));
      gc();
      const growth = process.memoryUsage().heapUsed - heapBefore;
      assert.ok(growth < 16 * 1024 * 1024, `heap grew by ${(growth / 1e6).toFixed(1)} MB`);
    }
    assert.equal(server.connections, 0);
  });
});
