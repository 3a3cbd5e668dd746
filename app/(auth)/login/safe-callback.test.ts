import { describe, expect, it } from "vitest";
import { safeCallback } from "./safe-callback";

describe("safeCallback", () => {
  it("keeps a path on this site", () => {
    expect(safeCallback("/runs?status=FAILED")).toBe("/runs?status=FAILED");
    expect(safeCallback("http://localhost:3000/audit")).toBe("/audit");
  });
  it("never leaves the site", () => {
    expect(safeCallback("https://evil.example/phish")).toBe("/phish");
    expect(safeCallback("//evil.example")).toBe("/");
    expect(safeCallback(null)).toBe("/");
    expect(safeCallback("/login")).toBe("/");
  });
});
