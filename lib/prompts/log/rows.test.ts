/** Excerpt markers: ts_headline's output read into text parts. */
import { describe, expect, it } from "vitest";
import { excerptParts } from "./rows";

describe("excerptParts", () => {
  it("splits ts_headline's markers into matches and text", () => {
    expect(excerptParts("before \u0001Refund\u0002 and \u0001policy\u0002.")).toEqual([
      { text: "before ", match: false },
      { text: "Refund", match: true },
      { text: " and ", match: false },
      { text: "policy", match: true },
      { text: ".", match: false },
    ]);
  });

  it("keeps markup as text and drops stray markers", () => {
    expect(excerptParts("<b>x</b> \u0002 \u0001")).toEqual([{ text: "<b>x</b>  ", match: false }]);
  });
});
