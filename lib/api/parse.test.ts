/** parseBody and parseQuery: every malformed input is a 400 naming the field, never a 500 or a silently ignored value. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { MAX_QUERY_VALUE_LENGTH, parseBody, parseQuery } from "./parse";

const bodySchema = z.object({ name: z.string().min(1), count: z.number().int(), tags: z.array(z.string()).optional() }).strict();
const querySchema = z.object({
  status: z.enum(["open", "closed"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
  flag: z.array(z.string()).optional(),
});

const post = (body: string, type = "application/json") =>
  new Request("http://localhost/api/x", { method: "POST", body, headers: { "Content-Type": type } });
const get = (query: string) => new Request(`http://localhost/api/x?${query}`);

async function rejection(run: () => unknown): Promise<AppError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

describe("parseBody", () => {
  it("returns the schema's output", async () => {
    expect(await parseBody(post('{"name":"a","count":2}'), bodySchema)).toEqual({ name: "a", count: 2 });
  });

  it("answers 400 bad_request:<surface> with one detail per invalid field", async () => {
    const error = await rejection(() => parseBody(post('{"name":"","count":"two","tags":[1],"extra":true}'), bodySchema, { surface: "thing", message: "The thing is not valid." }));
    expect(error).toMatchObject({ code: "bad_request:thing", status: 400, message: "The thing is not valid." });
    const paths = (error.details as { path: string; message: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(["", "count", "name", "tags.0"]);
  });

  it("answers 400 for wrong top-level types, with a default surface", async () => {
    for (const body of ["[]", "null", "42", '"text"']) {
      expect((await rejection(() => parseBody(post(body), bodySchema))).code).toBe("bad_request:body");
    }
  });

  it("keeps the body reader's answers: 415, 413, malformed and deep JSON", async () => {
    expect((await rejection(() => parseBody(post("{}", "text/plain"), bodySchema))).status).toBe(415);
    expect((await rejection(() => parseBody(post(JSON.stringify({ name: "x".repeat(2000) })), bodySchema, { limit: 1000 }))).status).toBe(413);
    expect((await rejection(() => parseBody(post("{oops"), bodySchema))).code).toBe("bad_request:json");
    expect((await rejection(() => parseBody(post(`{"name":${"[".repeat(100)}${"]".repeat(100)}}`), bodySchema))).code).toBe("bad_request:json");
  });
});

describe("parseQuery", () => {
  it("returns the schema's output; unknown keys are ignored", () => {
    expect(parseQuery(get("status=open&limit=5&utm_source=x&utm_source=y"), querySchema)).toEqual({ status: "open", limit: 5 });
    expect(parseQuery(get(""), querySchema)).toEqual({ limit: 10 });
  });

  it("answers 400 naming the parameter for invalid values", async () => {
    const error = await rejection(() => parseQuery(get("status=happy&limit=0"), querySchema, { surface: "thing_query" }));
    expect(error).toMatchObject({ code: "bad_request:thing_query", status: 400 });
    expect((error.details as { path: string }[]).map((d) => d.path).sort()).toEqual(["limit", "status"]);
  });

  const detailOf = (query: string, options?: Parameters<typeof parseQuery>[2]) => {
    try {
      parseQuery(get(query), querySchema, options);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      expect(error.status).toBe(400);
      return (error.details as { path: string; message: string }[])[0]!;
    }
    throw new Error("expected a 400");
  };

  it("refuses a NUL character in a value, naming the parameter", () => {
    expect(detailOf("status=open%00")).toEqual({ path: "status", message: expect.stringContaining("NUL") });
  });

  it("refuses absurdly long values", () => {
    expect(parseQuery(get(`status=open&limit=${"0".repeat(MAX_QUERY_VALUE_LENGTH - 1)}1`), querySchema).limit).toBe(1);
    expect(detailOf(`limit=${"1".repeat(MAX_QUERY_VALUE_LENGTH + 1)}`)).toEqual({ path: "limit", message: expect.stringContaining("2000") });
  });

  it("refuses a repeated key unless the route declares it a list", () => {
    expect(detailOf("status=open&status=closed")).toEqual({ path: "status", message: expect.stringContaining("more than once") });
    expect(parseQuery(get("flag=a&flag=b"), querySchema, { arrays: ["flag"] }).flag).toEqual(["a", "b"]);
    expect(parseQuery(get("flag=a"), querySchema, { arrays: ["flag"] }).flag).toEqual(["a"]);
  });

  it("checks every key when the schema is not an object", async () => {
    const any = z.record(z.string(), z.string());
    expect(parseQuery(get("a=1"), any)).toEqual({ a: "1" });
    expect((await rejection(() => parseQuery(get(`${"k".repeat(300)}=1`), any))).status).toBe(400);
    expect((await rejection(() => parseQuery(get("a%00b=1"), any))).details).toEqual([{ path: "a\\0b", message: expect.any(String) }]);
  });
});
