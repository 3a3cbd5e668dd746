/**
 * The search text as PostgreSQL reads it: `websearch_to_tsquery` prints a tsquery, and this reads the
 * printed form into what the search needs (the words GIN answers exactly, whether the index can
 * help at all, the words to highlight). Pure: unit-tested apart from PostgreSQL.
 */

/** A tsquery as PostgreSQL prints it, read into what the search needs. */
export interface AnalyzedQuery {
  /** As printed, e.g. `'refund' & 'late' <-> 'fee'`. */
  text: string;
  /** The same with phrase operators made `&`: what the GIN index answers exactly. */
  words: string;
  hasPhrase: boolean;
  /**
   * Whether the GIN index can find the matches: false when a match may hold none of the query's
   * words (`-word`, `a or -b`), which GIN answers only by rechecking every call.
   */
  indexable: boolean;
  /** Lexemes not negated: the excerpt is taken around the first of them and highlights them all. */
  positive: string[];
}

type QueryToken = { lexeme: string; raw: string } | { op: string };

/** Tokens of a printed tsquery: quoted lexemes (with `''` and `\` escapes, optional `:*`/weights) and operators. */
function tokenizeTsquery(text: string): QueryToken[] | null {
  const tokens: QueryToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " ") {
      i++;
    } else if (c === "'") {
      let j = i + 1;
      let lexeme = "";
      for (;;) {
        if (j >= text.length) return null;
        const d = text[j]!;
        if (d === "\\" && j + 1 < text.length) {
          lexeme += text[j + 1];
          j += 2;
        } else if (d === "'" && text[j + 1] === "'") {
          lexeme += "'";
          j += 2;
        } else if (d === "'") {
          j++;
          break;
        } else {
          lexeme += d;
          j++;
        }
      }
      const suffix = /^:[*A-D]+/.exec(text.slice(j));
      if (suffix) j += suffix[0].length;
      tokens.push({ lexeme, raw: text.slice(i, j) });
      i = j;
    } else if (c === "<") {
      const op = /^<(-|\d+)>/.exec(text.slice(i));
      if (!op) return null;
      tokens.push({ op: op[0] });
      i += op[0].length;
    } else if ("&|!()".includes(c)) {
      tokens.push({ op: c });
      i++;
    } else {
      return null;
    }
  }
  return tokens;
}

export const quoteLexeme = (lexeme: string) => `'${lexeme.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;

/** Reads PostgreSQL's printed tsquery; null when it has no lexeme (nothing to search for) or cannot be read. */
export function analyzeTsquery(text: string): AnalyzedQuery | null {
  const tokens = tokenizeTsquery(text);
  if (!tokens) return null;
  const lexemes = tokens.filter((t): t is { lexeme: string; raw: string } => "lexeme" in t);
  if (lexemes.length === 0) return null;
  const isPhraseOp = (t: QueryToken) => "op" in t && t.op.startsWith("<");
  const hasPhrase = tokens.some(isPhraseOp);
  const words = tokens.map((t) => ("lexeme" in t ? t.raw : isPhraseOp(t) ? "&" : t.op)).join(" ");
  const negated = (i: number) => {
    const before = tokens[i - 1];
    return before !== undefined && "op" in before && before.op === "!";
  };
  const positive = tokens.filter((t, i): t is { lexeme: string; raw: string } => "lexeme" in t && !negated(i));
  const hasOr = tokens.some((t) => "op" in t && t.op === "|");
  const hasNot = tokens.some((t) => "op" in t && t.op === "!");
  return {
    text,
    words,
    hasPhrase,
    positive: [...new Set(positive.map((t) => t.lexeme))],
    indexable: !hasNot || (!hasOr && positive.length > 0),
  };
}
