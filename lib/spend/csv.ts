/**
 * CSV for the spend export: cell escaping (RFC 4180 quoting, and formula
 * injection defused: a cell a spreadsheet would run as a formula gets a
 * leading single quote), a ReadableStream that writes pages as they are read
 * (so an export never sits in memory whole), and exact decimal sums for
 * checking that the cost column adds up. No database here: report.ts feeds
 * the pages. Safe to import anywhere, tests and browsers included.
 */

export type CsvValue = string | number;

/** Spreadsheets treat a cell starting with one of these as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
  let text = typeof value === "number" ? String(value) : value;
  // Numbers we write are never negative, so this only ever touches text: names sent by agents.
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One line, CRLF-terminated as RFC 4180 says. */
export function csvLine(cells: readonly CsvValue[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** One page of rows and where the next begins (null: this was the last). */
export interface CsvPage<C> {
  lines: CsvValue[][];
  next: C | null;
}

/**
 * A CSV body read page by page: the header first, then each page as soon as
 * it arrives; the next page is only fetched when the reader wants more (the
 * stream's back-pressure), and a cancelled download stops the reads.
 */
export function csvStream<C>(header: readonly string[], fetchPage: (cursor: C | null) => Promise<CsvPage<C>>, onError?: (error: unknown) => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: C | null = null;
  let started = false;
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(csvLine(header)));
          return;
        }
        if (done) return;
        try {
          // A pull that enqueues nothing is not called again: read on past empty pages.
          for (;;) {
            const page = await fetchPage(cursor);
            cursor = page.next;
            if (cursor === null) done = true;
            if (page.lines.length) controller.enqueue(encoder.encode(page.lines.map(csvLine).join("")));
            if (done) return controller.close();
            if (page.lines.length) return;
          }
        } catch (error) {
          done = true;
          onError?.(error);
          // The status line is long sent: failing the stream is how the client learns the file is incomplete.
          controller.error(error);
        }
      },
    },
    { highWaterMark: 1 },
  );
}

// ── exact decimals (USD with up to 9 decimals, as the rollup stores them) ──

const SCALE = 9;
const DECIMAL = /^(-)?(\d+)(?:\.(\d{1,9}))?$/;

/** "12.5" → 12500000000n (nano-dollars); throws on anything that is not a plain decimal of ≤ 9 places. */
export function toNanos(value: string): bigint {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new Error(`Not a decimal with at most ${SCALE} places: ${value}`);
  const nanos = BigInt(match[2]!) * 10n ** BigInt(SCALE) + BigInt((match[3] ?? "").padEnd(SCALE, "0"));
  return match[1] ? -nanos : nanos;
}

export function fromNanos(nanos: bigint): string {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const text = abs.toString().padStart(SCALE + 1, "0");
  return `${negative ? "-" : ""}${text.slice(0, -SCALE)}.${text.slice(-SCALE)}`;
}

/** The exact sum of decimal strings, with 9 places ("0.000000000" for none). */
export function sumDecimals(values: Iterable<string>): string {
  let total = 0n;
  for (const v of values) total += toNanos(v);
  return fromNanos(total);
}

/**
 * Reads CSV text back into rows (quoted cells, doubled quotes, CRLF or LF):
 * for tests and for anyone checking an export; not a general-purpose parser.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
