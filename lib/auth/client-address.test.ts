import { describe, expect, it } from "vitest";
import { clientAddress } from "./client-address";

const h = (xff?: string) => new Headers(xff === undefined ? {} : { "x-forwarded-for": xff });

describe("clientAddress", () => {
  it("takes the first hop only when the proxy is trusted", () => {
    expect(clientAddress(h("203.0.113.7, 10.0.0.2"), true)).toBe("203.0.113.7");
  });
  it("otherwise takes the last entry (the socket Next.js filled in, or the nearest proxy's)", () => {
    expect(clientAddress(h("203.0.113.7, 10.0.0.2"), false)).toBe("10.0.0.2");
    expect(clientAddress(h("::1"), false)).toBe("::1");
  });
  it("names an unknown client 'unknown' and bounds the key's length", () => {
    expect(clientAddress(h(), false)).toBe("unknown");
    expect(clientAddress(h(" , "), true)).toBe("unknown");
    expect(clientAddress(h("x".repeat(500)), true)).toHaveLength(64);
  });
});
