import { describe, expect, it } from "vitest";
import { errorFromBody, FetchJsonError } from "./fetch-json";

describe("errorFromBody", () => {
  it("reads the API's error shape", () => {
    const error = errorFromBody(403, JSON.stringify({ error: { code: "forbidden:runs:read", message: "Your role (FINANCE) is not allowed" } }), "x");
    expect(error).toBeInstanceOf(FetchJsonError);
    expect(error).toMatchObject({ status: 403, code: "forbidden:runs:read", message: "Your role (FINANCE) is not allowed" });
  });

  it("falls back to a plain message for a body that is not ours", () => {
    expect(errorFromBody(502, "<html>Bad gateway</html>", "Could not load the step")).toMatchObject({ status: 502, code: null, message: "Could not load the step (502)." });
    expect(errorFromBody(500, JSON.stringify({ error: "nope" }), "Failed").message).toBe("Failed (500).");
    expect(errorFromBody(500, "null", "Failed").message).toBe("Failed (500).");
  });
});
