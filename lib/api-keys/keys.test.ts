import { describe, expect, it } from "vitest";
import { bearerToken, displayPrefix, generateApiKey, hashApiKey } from "./keys";

describe("API key material", () => {
  it("generates distinct fd_ keys of 35 characters", () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    expect(keys.size).toBe(200);
    for (const k of keys) expect(k).toMatch(/^fd_[0-9A-Za-z]{32}$/);
  });

  it("hashes deterministically and shows only a prefix", () => {
    expect(hashApiKey("fd_abc")).toBe(hashApiKey("fd_abc"));
    expect(hashApiKey("fd_abc")).not.toBe(hashApiKey("fd_abd"));
    expect(displayPrefix("fd_ABCDEFGHIJ")).toBe("fd_ABCDEF");
  });

  it("reads bearer tokens and nothing else", () => {
    expect(bearerToken("Bearer fd_x")).toBe("fd_x");
    expect(bearerToken("bearer   fd_x ")).toBe("fd_x");
    expect(bearerToken("Basic abc")).toBeNull();
    expect(bearerToken(null)).toBeNull();
    expect(bearerToken("Bearer a b")).toBeNull();
  });
});
