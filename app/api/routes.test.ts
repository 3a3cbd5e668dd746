/**
 * Every route file under app/api, found on disk: it answers each method it
 * does not serve with the JSON 405 (Allow naming exactly what it serves), and
 * the OpenAPI document describes every (path, method) it serves, and nothing
 * it does not. Adding a route without documenting it fails here.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { openApiDocument } from "@/lib/api/openapi";
import { allowHeader, isFallbackHandler, ROUTE_METHODS, type RouteMethod } from "@/lib/api/methods";

// next-auth does not load under Vitest (it imports `next/server` without an extension); the
// auth route's own handlers are Auth.js's business, only its other exports are checked here.
vi.mock("@/lib/auth", () => ({ handlers: { GET: () => new Response(), POST: () => new Response() } }));

const API_DIR = import.meta.dirname;
/** Not ours to document: Auth.js's own endpoints, and the catch-all that answers unknown paths. */
const UNDOCUMENTED = new Set(["/api/auth/{...nextauth}", "/api/{...path}"]);

interface RouteFile {
  file: string;
  /** The URL path as OpenAPI writes it: `[id]` → `{id}`, route groups dropped. */
  apiPath: string;
}

function routeFiles(): RouteFile[] {
  return readdirSync(API_DIR, { recursive: true, encoding: "utf8" })
    .filter((f) => path.basename(f) === "route.ts")
    .map((f) => {
      const segments = path
        .dirname(f)
        .split(path.sep)
        .filter((s) => s !== "." && !/^\(.*\)$/.test(s))
        .map((s) => s.replace(/^\[(.+)\]$/, "{$1}"));
      return { file: path.join(API_DIR, f), apiPath: ["/api", ...segments].join("/") };
    })
    .sort((a, b) => a.apiPath.localeCompare(b.apiPath));
}

type RouteModule = Partial<Record<RouteMethod | "OPTIONS" | "HEAD", unknown>>;

const routes = await Promise.all(
  routeFiles().map(async (route) => {
    const exports = (await import(route.file)) as RouteModule;
    const served = ROUTE_METHODS.filter((m) => typeof exports[m] === "function" && !isFallbackHandler(exports[m]));
    return { ...route, exports, served };
  }),
);

describe("app/api route files", () => {
  it("are found on disk", () => {
    expect(routes.map((r) => r.apiPath)).toEqual(expect.arrayContaining(["/api/health", "/api/v1/runs", "/api/v1/runs/{id}", "/api/{...path}"]));
  });

  it.each(routes.filter((r) => r.apiPath !== "/api/{...path}").map((r) => [r.apiPath, r] as const))(
    "%s answers every method it does not serve with the JSON 405 and an exact Allow",
    async (apiPath, route) => {
      expect(route.served.length, apiPath).toBeGreaterThan(0);
      for (const method of [...ROUTE_METHODS, "OPTIONS"] as const) {
        expect(typeof route.exports[method], `${apiPath} exports ${method}`).toBe("function");
      }
      const allow = allowHeader(route.served);
      for (const method of ROUTE_METHODS.filter((m) => !route.served.includes(m))) {
        const handler = route.exports[method] as (request: Request) => Response;
        const res = handler(new Request(`http://localhost${apiPath}`, { method }));
        expect(res.status, `${method} ${apiPath}`).toBe(405);
        expect(res.headers.get("allow")).toBe(allow);
        expect(await res.json()).toEqual({ error: { code: "method_not_allowed:route", message: expect.stringContaining(method) } });
      }
      const options = (route.exports.OPTIONS as (request: Request) => Response)(new Request(`http://localhost${apiPath}`, { method: "OPTIONS" }));
      expect(options.status).toBe(204);
      expect(options.headers.get("allow")).toBe(allow);
      // HEAD is Next's: it runs GET when there is one; exporting it would bypass that.
      expect(route.exports.HEAD).toBeUndefined();
    },
  );

  it("are all described by the OpenAPI document, which describes nothing else", () => {
    const documented = openApiDocument().paths;
    const served = routes.filter((r) => !UNDOCUMENTED.has(r.apiPath)).flatMap((r) => r.served.map((m) => `${m} ${r.apiPath}`));
    const inDocument = Object.entries(documented).flatMap(([p, item]) =>
      Object.keys(item)
        .filter((m) => (ROUTE_METHODS as readonly string[]).includes(m.toUpperCase()))
        .map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(served.length).toBeGreaterThan(5);
    expect(served.filter((op) => !inDocument.includes(op)), "routes missing from the OpenAPI document").toEqual([]);
    expect(inDocument.filter((op) => !served.includes(op)), "documented operations with no route").toEqual([]);
  });
});
