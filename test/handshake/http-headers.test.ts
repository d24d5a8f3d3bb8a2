import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HttpHeaders } from "../../src/handshake/index.js";

describe("HttpHeaders", () => {
  const headers = new HttpHeaders([
    ["Upgrade", "websocket"],
    ["X-Many", "a"],
    ["connection", "Upgrade"],
    ["x-many", "b"],
  ]);

  it("keeps every line in order, duplicates included", () => {
    assert.equal(headers.size, 4);
    assert.deepEqual(
      [...headers],
      [
        ["Upgrade", "websocket"],
        ["X-Many", "a"],
        ["connection", "Upgrade"],
        ["x-many", "b"],
      ],
    );
  });

  it("looks names up case-insensitively; get joins repeated values with a comma", () => {
    assert.deepEqual(headers.getAll("X-MANY"), ["a", "b"]);
    assert.equal(headers.get("x-many"), "a, b");
    assert.equal(headers.get("Connection"), "Upgrade");
    assert.equal(headers.has("UPGRADE"), true);
    assert.equal(headers.get("absent"), undefined);
    assert.equal(headers.has("absent"), false);
    // Same length, one letter off: no match.
    assert.equal(headers.get("x-manz"), undefined);
    assert.equal(new HttpHeaders().size, 0);
    const three = new HttpHeaders([
      ["Via", "1"],
      ["VIA", "2"],
      ["via", "3"],
    ]);
    assert.equal(three.get("Via"), "1, 2, 3");
  });
});
