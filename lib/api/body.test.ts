/** The bounded body reader against hostile bodies: oversize (declared, streamed, inflated), wrong types, bad JSON, NUL, deep nesting. */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { isJsonContentType, parseJsonBytes, readBody, readJsonBody } from "./body";

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://localhost/api/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);

/** A body streamed in chunks with no Content-Length, counting how much the reader pulled. */
function streamed(chunks: number, chunkSize: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) return controller.close();
      pulled++;
      controller.enqueue(new Uint8Array(chunkSize).fill(0x20));
    },
  });
  return { stream, pulled: () => pulled };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

describe("readBody", () => {
  it("returns the bytes within the limit", async () => {
    expect(new TextDecoder().decode(await readBody(post("hello"), { limit: 5 }))).toBe("hello");
    expect((await readBody(post(null), { limit: 5 })).byteLength).toBe(0);
  });

  it("refuses a declared Content-Length over the limit before reading", async () => {
    const request = post("x", { "Content-Length": "2000000" });
    const error = await rejection(readBody(request, { limit: 1000, limitName: "SOME_LIMIT" }));
    expect(error).toMatchObject({ code: "payload_too_large:body", status: 413 });
    expect(error.message).toContain("SOME_LIMIT");
  });

  it("stops reading a stream as soon as it passes the limit", async () => {
    const body = streamed(1000, 1024);
    const error = await rejection(readBody(post(body.stream), { limit: 8 * 1024 }));
    expect(error.status).toBe(413);
    expect(body.pulled()).toBeLessThan(20);
  });

  it("inflates gzip only when allowed, and only up to the limit (gzip bomb)", async () => {
    const small = gzipSync(Buffer.from('{"a":1}'));
    expect(new TextDecoder().decode(await readBody(post(small, { "Content-Encoding": "gzip" }), { limit: 100, allowGzip: true }))).toBe('{"a":1}');
    expect((await rejection(readBody(post(small, { "Content-Encoding": "gzip" }), { limit: 100 }))).code).toBe("unsupported_media_type:encoding");
    expect((await rejection(readBody(post("x", { "Content-Encoding": "br" }), { limit: 100, allowGzip: true }))).status).toBe(415);

    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    const error = await rejection(readBody(post(bomb, { "Content-Encoding": "gzip" }), { limit: 64 * 1024, allowGzip: true }));
    expect(error.status).toBe(413);
    expect(error.message).toContain("decompressed");
    expect((await rejection(readBody(post("not gzip", { "Content-Encoding": "gzip" }), { limit: 100, allowGzip: true }))).code).toBe("bad_request:gzip");
  });
});

describe("readJsonBody", () => {
  const json = (body: BodyInit, headers: Record<string, string> = {}) => post(body, { "Content-Type": "application/json", ...headers });

  it("parses JSON sent as application/json (charset ignored) or a +json type", async () => {
    expect(await readJsonBody(json('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
    expect(await readJsonBody(post('"x"', { "Content-Type": "application/json; charset=utf-8" }))).toBe("x");
    expect(await readJsonBody(post("{}", { "Content-Type": "application/merge-patch+json" }))).toEqual({});
  });

  it("answers 415 for a missing or non-JSON content type", async () => {
    for (const type of [undefined, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"]) {
      const error = await rejection(readJsonBody(post("{}", type ? { "Content-Type": type } : {})));
      expect(error.code, type).toBe("unsupported_media_type:content_type");
    }
    expect(isJsonContentType(" Application/JSON ;charset=utf-8")).toBe(true);
  });

  it("answers 413 over the default 1 MiB, and honours a given limit", async () => {
    const big = JSON.stringify({ pad: "x".repeat(2 * 1024 * 1024) });
    expect((await rejection(readJsonBody(json(big)))).status).toBe(413);
    expect((await rejection(readJsonBody(json('{"a":"0123456789"}'), { limit: 10 }))).status).toBe(413);
  });

  it("answers 400 for empty, malformed and non-UTF-8 bodies", async () => {
    expect((await rejection(readJsonBody(json("")))).code).toBe("bad_request:body");
    expect((await rejection(readJsonBody(json("  \n ")))).code).toBe("bad_request:body");
    for (const bad of ["{oops", "[1,", "{'a':1}", "NaN", '{"a":1}}', new Uint8Array([0x22, 0xff, 0x22])]) {
      expect((await rejection(readJsonBody(json(bad)))).code).toBe("bad_request:json");
    }
  });

  it("answers 400 for a NUL character in a string (PostgreSQL cannot store it), but not for an escaped backslash before u0000", async () => {
    const error = await rejection(readJsonBody(json('{"name":"a\\u0000b"}')));
    expect(error).toMatchObject({ code: "bad_request:json", status: 400 });
    expect(error.message).toContain("NUL");
    expect((await rejection(readJsonBody(json('{"a\\u0000":1}')))).message).toContain("NUL");
    expect(await readJsonBody(json('{"path":"C:\\\\u0000"}'))).toEqual({ path: "C:\\u0000" });
  });

  it("answers 400 for nesting deeper than the limit, counting brackets outside strings only", async () => {
    const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    expect(await readJsonBody(json(nested(64)))).toBeInstanceOf(Array);
    const error = await rejection(readJsonBody(json(nested(65))));
    expect(error).toMatchObject({ code: "bad_request:json", status: 400 });
    expect(error.message).toContain("64 levels");
    // A million brackets: refused by the scan, before JSON.parse builds anything.
    expect((await rejection(readJsonBody(json(nested(500_000))))).status).toBe(400);
    expect((await rejection(readJsonBody(json(`{"a":${"{\"b\":".repeat(70)}1${"}".repeat(71)}`)))).status).toBe(400);
    expect(await readJsonBody(json(JSON.stringify({ text: "[[[[[[[[".repeat(20) })))).toEqual({ text: "[[[[[[[[".repeat(20) });
    expect(parseJsonBytes(new TextEncoder().encode(nested(100)), { maxDepth: 128 })).toBeInstanceOf(Array);
  });
});
