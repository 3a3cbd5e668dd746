import { describe, expect, it } from "vitest";
import { checkServerActionOrigin } from "./origin";

const action = (headers: Record<string, string>) => new Headers({ "next-action": "7f00", host: "console.example:3000", ...headers });

describe("checkServerActionOrigin", () => {
  it("passes what is not a server-action POST", () => {
    expect(checkServerActionOrigin("GET", action({ origin: "https://evil.example" })).allowed).toBe(true);
    expect(checkServerActionOrigin("POST", new Headers({ origin: "https://evil.example", host: "a" })).allowed).toBe(true);
  });

  it("passes same-origin actions and, as Next does, actions without Origin", () => {
    expect(checkServerActionOrigin("POST", action({ origin: "http://console.example:3000" })).allowed).toBe(true);
    expect(checkServerActionOrigin("POST", action({})).allowed).toBe(true);
    // Behind a proxy, Next compares with X-Forwarded-Host first; so does the proxy.
    expect(checkServerActionOrigin("POST", action({ origin: "https://flightdeck.example", "x-forwarded-host": "flightdeck.example" })).allowed).toBe(
      true,
    );
  });

  it("refuses another origin, an opaque one and an unparsable one", () => {
    for (const origin of ["https://evil.example", "http://console.example:3001", "null", "not a url"]) {
      expect(checkServerActionOrigin("POST", action({ origin })), origin).toMatchObject({ allowed: false });
    }
    expect(checkServerActionOrigin("POST", action({ origin: "https://evil.example", "x-forwarded-host": "console.example:3000" })).allowed).toBe(false);
  });
});
