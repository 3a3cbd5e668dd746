/** The JSON 405 (with Allow) and 404 answers for requests no route handler serves. */
import { describe, expect, it } from "vitest";
import { allowHeader, isFallbackHandler, methodNotAllowed, routeNotFound } from "./methods";

const request = (method: string, path = "/api/v1/runs") => new Request(`http://localhost${path}`, { method });

describe("methodNotAllowed", () => {
  it("answers every other method 405 in the error shape, with Allow", async () => {
    const handlers = methodNotAllowed(["GET"]);
    expect(Object.keys(handlers).sort()).toEqual(["DELETE", "OPTIONS", "PATCH", "POST", "PUT"]);
    const res = handlers.POST(request("POST"));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ error: { code: "method_not_allowed:route", message: "POST is not allowed on /api/v1/runs; use GET." } });
  });

  it("answers OPTIONS 204 with the real methods only", () => {
    const res = methodNotAllowed(["GET", "POST"]).OPTIONS(request("OPTIONS"));
    expect(res.status).toBe(204);
    expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS, POST");
    expect(methodNotAllowed(["POST"]).OPTIONS(request("OPTIONS")).headers.get("allow")).toBe("OPTIONS, POST");
  });

  it("marks its handlers so tests can tell them from real ones", () => {
    expect(isFallbackHandler(methodNotAllowed(["POST"]).GET)).toBe(true);
    expect(isFallbackHandler(routeNotFound)).toBe(true);
    expect(isFallbackHandler(() => new Response())).toBe(false);
    expect(allowHeader(["DELETE", "GET"])).toBe("DELETE, GET, HEAD, OPTIONS");
  });
});

describe("routeNotFound", () => {
  it("answers 404 not_found:route naming the path", async () => {
    const res = routeNotFound(request("GET", "/api/v1/nope"));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found:route", message: expect.stringContaining("/api/v1/nope") } });
  });
});
