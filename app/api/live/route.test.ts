/** The liveness probe answers from the process alone: no key, no database. */
import { describe, expect, it, vi } from "vitest";

// Reaching the database would make it a readiness check: any use of it fails this test.
vi.mock("@/lib/db", () => {
  throw new Error("the liveness probe must not load the database client");
});

const { GET } = await import("./route");

describe("GET /api/live", () => {
  it("answers 200 { status: ok }, uncached, with no Authorization header", async () => {
    const res = GET();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ status: "ok" });
  });
});
