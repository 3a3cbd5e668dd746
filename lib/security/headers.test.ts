import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { buildCsp, createNonce, servedOverHttps } from "./headers";

const directive = (csp: string, name: string) => csp.split("; ").find((d) => d.split(" ")[0] === name);

describe("buildCsp", () => {
  const prod = buildCsp({ nonce: "abc123==", development: false, https: false });

  it("lets only nonce'd scripts run, without eval in production", () => {
    expect(directive(prod, "script-src")).toBe("script-src 'self' 'nonce-abc123==' 'strict-dynamic'");
    expect(prod).not.toContain("unsafe-eval");
    expect(directive(prod, "object-src")).toBe("object-src 'none'");
    expect(directive(prod, "base-uri")).toBe("base-uri 'self'");
  });

  it("forbids framing and keeps inline styles (without a nonce, which would disable them)", () => {
    expect(directive(prod, "frame-ancestors")).toBe("frame-ancestors 'none'");
    expect(directive(prod, "style-src")).toBe("style-src 'self' 'unsafe-inline'");
  });

  it("allows eval and the HMR websocket in development only", () => {
    const dev = buildCsp({ nonce: "n", development: true, https: false });
    expect(directive(dev, "script-src")).toContain("'unsafe-eval'");
    expect(directive(dev, "connect-src")).toBe("connect-src 'self' ws: wss:");
  });

  it("upgrades insecure requests over HTTPS only", () => {
    expect(prod).not.toContain("upgrade-insecure-requests");
    expect(buildCsp({ nonce: "n", development: false, https: true })).toContain("upgrade-insecure-requests");
  });

  it("lets forms reach the single sign-on issuer", () => {
    const csp = buildCsp({ nonce: "n", development: false, https: false, formTargets: ["https://sso.example"] });
    expect(directive(csp, "form-action")).toBe("form-action 'self' https://sso.example");
  });
});

describe("createNonce", () => {
  it("is 128 random bits in base64, fresh each time", () => {
    const a = createNonce();
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(createNonce()).not.toBe(a);
  });
});

describe("servedOverHttps", () => {
  const forwarded = (proto: string) => new Headers({ "x-forwarded-proto": proto });
  it("believes X-Forwarded-Proto (its first hop) only with TRUST_PROXY", () => {
    expect(servedOverHttps({ headers: forwarded("https"), trustProxy: false })).toBe(false);
    expect(servedOverHttps({ headers: forwarded("https"), trustProxy: true })).toBe(true);
    expect(servedOverHttps({ headers: forwarded("http, https"), trustProxy: true })).toBe(false);
    // Behind a trusted proxy, its word wins over AUTH_URL.
    expect(servedOverHttps({ headers: new Headers(), trustProxy: true, publicUrl: "https://fd.example" })).toBe(false);
  });
  it("otherwise goes by the configured public URL", () => {
    expect(servedOverHttps({ headers: forwarded("https"), trustProxy: false, publicUrl: "http://localhost:3000" })).toBe(false);
    expect(servedOverHttps({ headers: new Headers(), trustProxy: false, publicUrl: "https://fd.example" })).toBe(true);
  });
});

describe("next.config.js headers()", () => {
  it("puts the fixed security headers on every path", async () => {
    // CommonJS without types: read through createRequire rather than a typed import.
    const config = createRequire(import.meta.url)("../../next.config.js") as {
      headers: () => Promise<{ source: string; headers: { key: string; value: string }[] }[]>;
    };
    const rules = await config.headers();
    expect(rules.map((r) => r.source)).toEqual(["/:path*"]);
    expect(Object.fromEntries(rules[0]!.headers.map((h) => [h.key, h.value]))).toMatchObject({
      "X-Content-Type-Options": "nosniff",
      "X-Frame-Options": "DENY",
      "Referrer-Policy": "strict-origin-when-cross-origin",
      "Permissions-Policy": expect.stringContaining("camera=(), microphone=(), geolocation=()"),
    });
    expect(JSON.stringify(rules)).not.toMatch(/Strict-Transport-Security/i);
  });
});
