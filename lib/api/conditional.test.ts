/** Conditional GET: strong ETag over the body, 304 on If-None-Match (lists, weak tags, `*`), Cache-Control. */
import { describe, expect, it } from "vitest";
import { conditionalJson, etagOf, ifNoneMatchMatches, parseIfNoneMatch } from "./conditional";

const body = { name: "triage", version: 3 };
const get = (headers: Record<string, string> = {}, method = "GET") => new Request("http://localhost/api/v1/prompts/triage", { method, headers });

describe("conditionalJson", () => {
  it("answers 200 with the JSON, a strong ETag of the body, and Cache-Control", async () => {
    const res = conditionalJson(get(), body, { maxAge: 60 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(body);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("etag")).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(res.headers.get("etag")).toBe(etagOf(JSON.stringify(body)));
    expect(res.headers.get("cache-control")).toBe("private, max-age=60");
    expect(conditionalJson(get(), body, { maxAge: 300, visibility: "public" }).headers.get("cache-control")).toBe("public, max-age=300");
  });

  it("gives equal bodies the same ETag and different bodies different ones", () => {
    const a = conditionalJson(get(), body, { maxAge: 0 }).headers.get("etag");
    expect(conditionalJson(get(), { ...body }, { maxAge: 0 }).headers.get("etag")).toBe(a);
    expect(conditionalJson(get(), { ...body, version: 4 }, { maxAge: 0 }).headers.get("etag")).not.toBe(a);
  });

  it("answers 304 with no body, and the same ETag and Cache-Control, when If-None-Match matches", async () => {
    const etag = conditionalJson(get(), body, { maxAge: 60 }).headers.get("etag")!;
    const res = conditionalJson(get({ "If-None-Match": etag }), body, { maxAge: 60, headers: { Vary: "Authorization" } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe("");
    expect(res.headers.get("etag")).toBe(etag);
    expect(res.headers.get("cache-control")).toBe("private, max-age=60");
    expect(res.headers.get("vary")).toBe("Authorization");
    expect(res.headers.get("content-type")).toBeNull();
  });

  it("matches within a list, weakly, and on *", () => {
    const etag = etagOf(JSON.stringify(body));
    for (const header of [`"other", ${etag}`, `W/${etag}`, `W/"x",W/${etag}`, "*", ` ${etag} `]) {
      expect(conditionalJson(get({ "If-None-Match": header }), body, { maxAge: 0 }).status, header).toBe(304);
    }
    for (const header of ['"other"', "", etag.slice(0, -2) + '"', "W/", etag.replaceAll('"', "'")]) {
      expect(conditionalJson(get({ "If-None-Match": header }), body, { maxAge: 0 }).status, header).toBe(200);
    }
  });

  it("uses a given ETag (quoting a bare one) instead of hashing", () => {
    expect(conditionalJson(get(), body, { maxAge: 0, etag: "v3" }).headers.get("etag")).toBe('"v3"');
    expect(conditionalJson(get(), body, { maxAge: 0, etag: 'W/"v3"' }).headers.get("etag")).toBe('W/"v3"');
    expect(conditionalJson(get({ "If-None-Match": '"v3"' }), body, { maxAge: 0, etag: "v3" }).status).toBe(304);
    expect(conditionalJson(get({ "If-None-Match": '"v3"' }), body, { maxAge: 0, etag: 'W/"v3"' }).status).toBe(304);
  });

  it("answers HEAD like GET, and never 304s an unsafe method", () => {
    expect(conditionalJson(get({ "If-None-Match": "*" }, "HEAD"), body, { maxAge: 0 }).status).toBe(304);
    expect(conditionalJson(get({ "If-None-Match": "*" }, "POST"), body, { maxAge: 0 }).status).toBe(200);
  });
});

describe("If-None-Match parsing", () => {
  it("reads lists, weak tags, commas inside quotes, and tolerates unquoted tags", () => {
    expect(parseIfNoneMatch('"a", W/"b",  "c,d"')).toEqual(['"a"', '"b"', '"c,d"']);
    expect(parseIfNoneMatch('"a",,"b"')).toEqual(['"a"', '"b"']);
    expect(parseIfNoneMatch("abc")).toEqual(['"abc"']);
    expect(parseIfNoneMatch("*")).toEqual(["*"]);
    expect(ifNoneMatchMatches(null, '"a"')).toBe(false);
    expect(ifNoneMatchMatches('"a"', 'W/"a"')).toBe(true);
  });
});
