/** Unknown paths under /api answer the JSON 404 for every method, not the console's HTML page. */
import { describe, expect, it } from "vitest";
import * as catchAll from "./route";

describe("app/api/[...path]", () => {
  it.each(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const)("answers %s with 404 not_found:route", async (method) => {
    const res = catchAll[method](new Request("http://localhost/api/v1/no-such-thing/42", { method }));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ error: { code: "not_found:route", message: expect.stringContaining("/api/v1/no-such-thing/42") } });
  });
});
