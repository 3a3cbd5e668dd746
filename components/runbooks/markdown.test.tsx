/**
 * The runbook renderer's safety: hostile markdown rendered to static markup
 * (as the server sends it) never yields a script, an event handler, raw HTML
 * or a link other than http(s); ordinary markdown still renders.
 */
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown, safeUrl } from "./markdown";

const render = (source: string) => renderToStaticMarkup(<Markdown source={source} />);

/** Every href in the markup. */
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);

/** The real tags of the markup (text's `<` is escaped, so every `<name` is an element) and their attribute names. */
function tags(html: string): { name: string; attributes: string[] }[] {
  return [...html.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)].map((m) => ({
    name: m[1]!.toLowerCase(),
    attributes: [...(m[2] ?? "").matchAll(/\s+([^\s=>]+)(?:="[^"]*")?/g)].map((a) => a[1]!.toLowerCase()),
  }));
}

const ELEMENTS = new Set(["div", "p", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "hr", "strong", "em", "pre", "code", "a", "span", "br"]);
const ATTRIBUTES = new Set(["class", "data-testid", "href", "target", "rel", "title", "start"]);

/** Only the renderer's own elements and attributes: no script, no handler, no style, no src. */
function expectOnlySafeMarkup(html: string) {
  for (const tag of tags(html)) {
    expect(ELEMENTS.has(tag.name), `<${tag.name}>`).toBe(true);
    for (const attribute of tag.attributes) expect(ATTRIBUTES.has(attribute), `<${tag.name} ${attribute}>`).toBe(true);
  }
  for (const href of hrefs(html)) expect(href).toMatch(/^https?:\/\//);
}

describe("Markdown", () => {
  it("renders headings (from h3 on), lists, code, emphasis and http(s) links", () => {
    const html = render("# Check\n\n## Then\n\n1. look at `erp.pay`\n2. **call** [on-call](https://oncall.example.com/finance)\n\n- a\n- b\n\n```\nkubectl get pods\n```\n\n> quoted");
    expect(html).toContain("<h3");
    expect(html).toContain(">Check</h3>");
    expect(html).toContain("<h4");
    expect(html).not.toMatch(/<h[12]/);
    expect(html).toContain("<ol");
    expect(html).toContain("<ul");
    expect(html).toMatch(/<code[^>]*>erp.pay<\/code>/);
    expect(html).toMatch(/<pre[^>]*><code[^>]*>kubectl get pods\n<\/code><\/pre>/);
    expect(html).toContain("<strong");
    expect(html).toContain("<blockquote");
    expect(html).toContain('href="https://oncall.example.com/finance"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(html).toContain('target="_blank"');
    expectOnlySafeMarkup(html);
  });

  it("never renders raw HTML: script, img onerror, iframes and inline handlers come out as text", () => {
    const hostile = [
      "<script>alert(1)</script>",
      '<img src="x" onerror="alert(1)">',
      '<iframe src="https://evil.example"></iframe>',
      '<a href="javascript:alert(1)">click</a>',
      '<div onclick="alert(1)" style="position:fixed">overlay</div>',
      "<svg><script>alert(1)</script></svg>",
      "Text with <b onmouseover=alert(1)>inline</b> HTML",
    ].join("\n\n");
    const html = render(hostile);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<iframe/i);
    expect(html).not.toMatch(/<svg/i);
    expect(html).not.toMatch(/<div onclick/i);
    expect(html).not.toMatch(/<b /i);
    expectOnlySafeMarkup(html);
    // Shown as the text it is (escaped), so the author sees what they wrote.
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(hrefs(html)).toEqual([]);
  });

  it("drops links that are not absolute http(s) and keeps their text", () => {
    const links = [
      "[js](javascript:alert(1))",
      "[js upper](JAVASCRIPT:alert(1))",
      "[js entity](jav&#x61;script:alert(1))",
      "[js tab](java\tscript:alert(1))",
      "[js spaced]( javascript:alert(1))",
      "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
      "[vb](vbscript:msgbox(1))",
      "[file](file:///etc/passwd)",
      "[mail](mailto:ops@example.com)",
      "[relative](/agents/x)",
      "<javascript:alert(1)>",
      "[ref][r]\n\n[r]: javascript:alert(1)",
    ].join("\n\n");
    const html = render(links);
    expect(hrefs(html)).toEqual([]);
    expectOnlySafeMarkup(html);
    expect(html).toContain(">js</span>");
    expect(html).toContain(">vb</span>");
  });

  it("does not load images, whatever their URL: it shows their alt text", () => {
    const html = render("![chart](https://example.com/pixel.png) ![](data:image/png;base64,AAAA) ![x](javascript:alert(1))");
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain("[image: chart]");
    expect(html).toContain("[image]");
    expect(html).not.toMatch(/pixel\.png|data:image|javascript:/);
    expectOnlySafeMarkup(html);
  });

  it("drops empty headings and gives an empty link text its address", () => {
    const html = render("#\n\n##   \n\n[](https://example.com/x)");
    expect(html).not.toMatch(/<h\d/);
    expect(html).toMatch(/<a [^>]*>https:\/\/example.com\/x<span class="sr-only">/);
  });

  it("(the markup check itself catches what it must)", () => {
    for (const bad of ['<img src="x">', '<p onclick="x">a</p>', '<a href="javascript:x">a</a>', "<script>x</script>", '<p style="x">a</p>']) {
      expect(() => expectOnlySafeMarkup(bad), bad).toThrow();
    }
  });

  it("renders an empty source as an empty container", () => {
    expect(render("")).toBe('<div class="text-sm leading-relaxed break-words text-slate-800" data-testid="markdown"></div>');
  });
});

describe("safeUrl", () => {
  it("keeps absolute http(s) URLs, normalised", () => {
    expect(safeUrl("https://example.com/a b")).toBe("https://example.com/a%20b");
    expect(safeUrl("HTTP://Example.com")).toBe("http://example.com/");
  });

  it("refuses other schemes and relative URLs", () => {
    for (const url of ["javascript:alert(1)", " javascript:alert(1)", "java\nscript:alert(1)", "data:text/html,x", "vbscript:x", "ftp://x", "/relative", "//host/x", "", "mailto:a@b.c"]) {
      expect(safeUrl(url), url).toBeNull();
    }
  });
});
