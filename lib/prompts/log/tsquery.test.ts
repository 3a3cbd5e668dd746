/** Reading PostgreSQL's printed tsquery into what the search needs. */
import { describe, expect, it } from "vitest";
import { analyzeTsquery } from "./tsquery";

describe("analyzeTsquery", () => {
  it("reads words, no phrase", () => {
    expect(analyzeTsquery("'refund' & 'late'")).toMatchObject({
      words: "'refund' & 'late'",
      hasPhrase: false,
      positive: ["refund", "late"],
      indexable: true,
    });
  });

  it("turns a phrase into the words the index answers exactly", () => {
    const q = analyzeTsquery("'late' <-> 'fee' & 'refund'")!;
    expect(q.hasPhrase).toBe(true);
    expect(q.words).toBe("'late' & 'fee' & 'refund'");
    expect(q.positive).toEqual(["late", "fee", "refund"]);
    expect(analyzeTsquery("'a' <2> 'b'")!.words).toBe("'a' & 'b'");
  });

  it("highlights the words of an `or` query, which the index answers", () => {
    expect(analyzeTsquery("'refund' | 'credit'")).toMatchObject({ positive: ["refund", "credit"], indexable: true });
  });

  it("never highlights a negated word; `-word` alone cannot use the index", () => {
    expect(analyzeTsquery("'refund' & !'draft'")).toMatchObject({ positive: ["refund"], indexable: true });
    expect(analyzeTsquery("!'draft'")).toMatchObject({ positive: [], indexable: false });
    expect(analyzeTsquery("'a' | !'b'")).toMatchObject({ indexable: false });
  });

  it("reads quoted lexemes with doubled quotes and backslashes", () => {
    expect(analyzeTsquery("'it''s' & 'a\\\\b' <-> 'x'")).toMatchObject({ positive: ["it's", "a\\b", "x"], words: "'it''s' & 'a\\\\b' & 'x'" });
    // An operator inside a lexeme is text, not an operator.
    expect(analyzeTsquery("'<->' & 'a|b'")).toMatchObject({ hasPhrase: false, positive: ["<->", "a|b"] });
  });

  it("returns null when there is nothing to search for or the text is not a tsquery", () => {
    expect(analyzeTsquery("")).toBeNull();
    expect(analyzeTsquery("'unterminated")).toBeNull();
    expect(analyzeTsquery("'a' ~ 'b'")).toBeNull();
  });
});
