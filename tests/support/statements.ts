/**
 * The SQL a piece of code sends, captured on its way out through pg (the
 * Prisma adapter's connections and plain pg's alike), while the real database
 * still runs it: for tests that a statement is (or is not) sent, and for the
 * benchmarks' plans of what the app runs.
 */
import pg from "pg";

export interface Statement {
  text: string;
  values: unknown[];
}

/** The statements `fn` sends through pg (the Prisma adapter's and plain pg's), captured as they go out. */
export async function captureStatements(fn: () => Promise<unknown>): Promise<Statement[]> {
  const statements: Statement[] = [];
  const original = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
    const first = a[0] as string | { text?: string; values?: unknown[] } | undefined;
    const text = typeof first === "string" ? first : (first?.text ?? "");
    const values = (typeof first === "string" ? a[1] : first?.values) as unknown[] | undefined;
    if (text && !/^\s*(BEGIN|COMMIT|ROLLBACK|SELECT 1)\b/i.test(text)) statements.push({ text, values: values ?? [] });
    return original.apply(this, a);
  } as typeof pg.Client.prototype.query;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original as typeof pg.Client.prototype.query;
  }
  return statements;
}
