import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inflateRawSync } from "node:zlib";
import fc from "fast-check";
import {
  acceptDeflateOffer,
  checkDeflateResponse,
  type DeflateFunctions,
  PerMessageDeflate,
} from "../../src/extensions/index.js";
import { parseExtensions } from "../../src/handshake/index.js";
import { nativeDeflate, nativeInflate } from "../../src/transport/index.js";
import { seededRandom } from "../helpers/seeded-random.js";

const accept = (offered: string, inflatesWithDictionary = true) =>
  acceptDeflateOffer(parseExtensions(offered)!, inflatesWithDictionary);

describe("permessage-deflate on the server: answering offers (RFC 7692 §5, §7.1)", () => {
  it("accepts a plain offer, compressing each message on its own and following the client's context", () => {
    assert.deepEqual(accept("permessage-deflate"), {
      header: "permessage-deflate; server_no_context_takeover",
      serverMaxWindowBits: 15,
      clientWindowBits: 15,
    });
    // What browsers and ws send: the client could narrow its window; the server does not ask it to.
    assert.deepEqual(accept("permessage-deflate; client_max_window_bits"), accept("permessage-deflate"));
  });

  it("keeps no window for a client without context, and a smaller one for a client that says so", () => {
    assert.deepEqual(accept("permessage-deflate; client_no_context_takeover"), {
      header: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      serverMaxWindowBits: 15,
      clientWindowBits: undefined,
    });
    assert.equal(accept("permessage-deflate; client_max_window_bits=10")?.clientWindowBits, 10);
    assert.equal(
      accept("permessage-deflate; client_max_window_bits=10; client_no_context_takeover")?.clientWindowBits,
      undefined,
    );
  });

  it("answers an offered server_max_window_bits and compresses within it (§7.1.2.1)", () => {
    assert.deepEqual(accept("permessage-deflate; server_max_window_bits=10; server_no_context_takeover"), {
      header: "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
      serverMaxWindowBits: 10,
      clientWindowBits: 15,
    });
  });

  it("where inflate cannot take a dictionary, forbids the client's context (§7.1.1.2)", () => {
    assert.deepEqual(accept("permessage-deflate", false), {
      header: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      serverMaxWindowBits: 15,
      clientWindowBits: undefined,
    });
  });

  it("declines what it cannot honour and takes the next offer, or none", () => {
    for (const declined of [
      "permessage-deflate; server_max_window_bits=8", // zlib would make a 2^9 window
      "permessage-deflate; server_max_window_bits",
      "permessage-deflate; server_max_window_bits=16",
      "permessage-deflate; client_max_window_bits=7",
      "permessage-deflate; server_no_context_takeover=1",
      "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
      "permessage-deflate; x_unknown",
    ]) {
      assert.equal(accept(declined), undefined, declined);
      assert.deepEqual(accept(`${declined}, permessage-deflate; client_max_window_bits=12`), {
        header: "permessage-deflate; server_no_context_takeover",
        serverMaxWindowBits: 15,
        clientWindowBits: 12,
      });
    }
    assert.equal(accept("x-webkit-deflate-frame"), undefined);
  });
});

describe("permessage-deflate: our compressor's window", () => {
  it("stays within the agreed server_max_window_bits", () => {
    const functions: DeflateFunctions = {
      deflate: nativeDeflate,
      inflate: nativeInflate,
      inflatesWithDictionary: true,
    };
    const next = seededRandom(3);
    const noise = Uint8Array.from({ length: 1500 }, () => Math.floor(next() * 256));
    const data = new Uint8Array([...noise, ...noise]); // the repeat lies 1,500 bytes back
    // zlib's inflate does not police the window (it allows any distance into its output), so the
    // compressor's side shows it: the repeat 1,500 bytes back is used with a full window only.
    const full = new PerMessageDeflate(functions, { threshold: 0 }).compress(data)!;
    assert.ok(full.length < 1700, `${full.length} bytes`);
    assert.equal(
      new PerMessageDeflate(functions, { threshold: 0, ownMaxWindowBits: 9 }).compress(data),
      undefined,
    );
    const inflate512 = (payload: Uint8Array) =>
      inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), {
        windowBits: 9,
        finishFlush: 2,
      });
    const text = new TextEncoder().encode("a window of 512 bytes still compresses text. ".repeat(100));
    const small = new PerMessageDeflate(functions, { threshold: 0, ownMaxWindowBits: 9 }).compress(text)!;
    assert.deepEqual([...inflate512(small)], [...text]);
  });
});

describe("permessage-deflate: the server's answer meets the client's check (fast-check)", () => {
  it("for any offer, the answer is undefined or one a client that made the offer must accept", () => {
    const param = fc.constantFrom(
      "server_no_context_takeover",
      "client_no_context_takeover",
      "server_max_window_bits",
      "client_max_window_bits",
      "x_unknown",
    );
    const value = fc.option(fc.constantFrom("7", "8", "9", "10", "15", "16", '"12"', "abc"), {
      nil: undefined,
    });
    const element = fc
      .array(fc.tuple(param, value), { maxLength: 5 })
      .map(
        (params) =>
          `permessage-deflate${params.map(([p, v]) => `; ${p}${v === undefined ? "" : `=${v}`}`).join("")}`,
      );
    fc.assert(
      fc.property(
        fc.array(element, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (elements, dictionaries) => {
          const offers = parseExtensions(elements.join(", "))!;
          const accepted = acceptDeflateOffer(offers, dictionaries);
          if (accepted === undefined) return;
          const answer = parseExtensions(accepted.header)!;
          // The client side's check, for the first offer the server could have taken: the answer
          // must be acceptable to a client that asked what that offer asked.
          const taken = offers.find((o) => acceptDeflateOffer([o], dictionaries) !== undefined)!;
          const bits = taken.params.get("server_max_window_bits");
          const clientOffer = {
            serverNoContextTakeover: taken.params.has("server_no_context_takeover"),
            ...(typeof bits === "string" ? { serverMaxWindowBits: Number(bits) } : {}),
          };
          assert.equal(checkDeflateResponse(answer, clientOffer), undefined, accepted.header);
          assert.ok(accepted.serverMaxWindowBits >= 9 && accepted.serverMaxWindowBits <= 15);
          if (!dictionaries) assert.equal(accepted.clientWindowBits, undefined);
          if (taken.params.has("client_no_context_takeover"))
            assert.equal(accepted.clientWindowBits, undefined);
        },
      ),
      { numRuns: 500 },
    );
  });
});
