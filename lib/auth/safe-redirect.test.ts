import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "./safe-redirect";

const ORIGIN = "http://localhost:3000";

describe("safeRedirectPath", () => {
  it("keeps a path on this site, with its query and hash", () => {
    expect(safeRedirectPath("/runs?status=FAILED")).toBe("/runs?status=FAILED");
    expect(safeRedirectPath("/runs/abc#step-3")).toBe("/runs/abc#step-3");
    expect(safeRedirectPath("/")).toBe("/");
    // Sign-out's target goes through the same check.
    expect(safeRedirectPath("/login")).toBe("/login");
  });

  it("keeps the path of an absolute URL of this very origin (the proxy's callbackUrl)", () => {
    expect(safeRedirectPath("http://localhost:3000/audit?x=1", ORIGIN)).toBe("/audit?x=1");
    expect(safeRedirectPath("http://localhost:3000/audit")).toBe("/");
  });

  it.each([
    ["/\\evil.example"],
    ["/\\\\evil"],
    ["/%5Cevil.example"],
    ["/%5cevil.example"],
    ["/%09/evil.example"],
    ["/\t/evil.example"],
    ["/\n/evil.example"],
    ["//evil.example"],
    ["///evil.example"],
    ["https://evil.example/phish"],
    ["http://localhost:3000.evil.example/"],
    ["http://localhost:3001/audit"],
    ["javascript:alert(1)"],
    ["JavaScript:alert(1)"],
    ["data:text/html,hi"],
    ["evil.example"],
    [""],
  ])("sends %j to / instead", (value) => {
    expect(safeRedirectPath(value, ORIGIN)).toBe("/");
  });

  it("gives / for anything that is not a string", () => {
    for (const value of [null, undefined, 42, {}, ["/runs"]]) expect(safeRedirectPath(value, ORIGIN)).toBe("/");
  });
});
