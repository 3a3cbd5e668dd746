import { describe, expect, it } from "vitest";
import { csvCell, csvLine, csvStream, fromNanos, parseCsv, sumDecimals, toNanos, type CsvPage } from "./csv";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("CSV cells", () => {
  it("quotes commas, quotes and line breaks", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("cr\rlf")).toBe('"cr\rlf"');
    expect(csvCell(42)).toBe("42");
    expect(csvCell("")).toBe("");
  });

  it("defuses cells a spreadsheet would run as a formula", () => {
    expect(csvCell("=HYPERLINK(\"http://evil\")")).toBe("\"'=HYPERLINK(\"\"http://evil\"\")\"");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell("a=1")).toBe("a=1");
    expect(csvCell("12.500000000")).toBe("12.500000000");
  });

  it("ends lines with CRLF and reads back what it wrote", () => {
    const cells = ["=cmd|' /C calc'!A0", 'x,"y"', "multi\r\nline", "", "1.000000001"];
    expect(csvLine(["a", 1])).toBe("a,1\r\n");
    const [row] = parseCsv(csvLine(cells));
    expect(row).toEqual(["'=cmd|' /C calc'!A0", 'x,"y"', "multi\r\nline", "", "1.000000001"]);
  });
});

describe("csvStream", () => {
  it("writes the header, then each page as fetched, until the cursor runs out", async () => {
    const pages: CsvPage<number>[] = [
      { lines: [["a", 1]], next: 1 },
      { lines: [], next: 2 },
      { lines: [["b", 2], ["c", 3]], next: null },
    ];
    const asked: (number | null)[] = [];
    const text = await readAll(
      csvStream<number>(["key", "n"], async (cursor) => {
        asked.push(cursor);
        return pages[cursor ?? 0]!;
      }),
    );
    expect(text).toBe("key,n\r\na,1\r\nb,2\r\nc,3\r\n");
    expect(asked).toEqual([null, 1, 2]);
  });

  it("reads no further page than the reader asks for, and stops on cancel", async () => {
    let fetched = 0;
    const stream = csvStream<number>(["k"], async (cursor) => {
      fetched++;
      return { lines: [[String(cursor ?? 0)]], next: (cursor ?? 0) + 1 };
    });
    const reader = stream.getReader();
    await reader.read(); // header
    await reader.read(); // first page
    await reader.cancel();
    expect(fetched).toBeLessThanOrEqual(2);
  });

  it("fails the stream (an incomplete download) when a page cannot be read", async () => {
    const errors: unknown[] = [];
    const stream = csvStream<number>(["k"], async () => Promise.reject(new Error("db gone")), (e) => errors.push(e));
    await expect(readAll(stream)).rejects.toThrow("db gone");
    expect(errors).toHaveLength(1);
  });
});

describe("exact decimal sums", () => {
  it("adds nine-decimal amounts without float error", () => {
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.300000000");
    expect(sumDecimals(Array.from({ length: 1000 }, () => "0.000000001"))).toBe("0.000001000");
    expect(sumDecimals(["123456789.123456789", "0.000000001"])).toBe("123456789.123456790");
    expect(sumDecimals([])).toBe("0.000000000");
    expect(fromNanos(toNanos("-1.5"))).toBe("-1.500000000");
    expect(() => toNanos("1e3")).toThrow();
    expect(() => toNanos("0.0000000001")).toThrow();
  });
});
