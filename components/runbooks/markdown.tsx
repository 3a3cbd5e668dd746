/**
 * Markdown rendered safely, for runbooks: CommonMark through react-markdown,
 * never raw HTML (no rehype-raw: HTML a runbook contains is shown as the text
 * it is), links only to absolute http(s) URLs (anything else, `javascript:`,
 * `data:`, `vbscript:`, `mailto:`, relative paths, loses its link and keeps
 * its text), opened in a new tab with rel="noopener noreferrer nofollow".
 * Images are never loaded (a runbook is read in an air-gapped console, and an
 * image URL is a tracking pixel): an image shows as its alt text.
 * Headings start at h3, because a runbook sits below a page's h1 and a card's
 * h2; empty headings are dropped. No client code: renders on the server, and
 * in the editor's preview.
 */
import ReactMarkdown, { type Components, type ExtraProps } from "react-markdown";

/** Keeps absolute http(s) URLs (normalised as a browser reads them); drops everything else. */
export function safeUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

type HastNode = NonNullable<ExtraProps["node"]> | { type: string; value?: string; children?: unknown[]; tagName?: string; properties?: Record<string, unknown> };

/** The text a reader (or a screen reader) gets from a node: its text, images' alt text. */
function textOf(node: HastNode | undefined): string {
  if (!node) return "";
  if (node.type === "text" && "value" in node && typeof node.value === "string") return node.value;
  if (node.type === "element" && "tagName" in node && node.tagName === "img") {
    const alt = node.properties?.alt;
    return typeof alt === "string" ? alt : "";
  }
  const children = "children" in node && Array.isArray(node.children) ? (node.children as HastNode[]) : [];
  return children.map(textOf).join("");
}

const HEADING = "font-semibold text-slate-900";

function heading(Tag: "h3" | "h4" | "h5" | "h6", className: string) {
  return function Heading({ node, children }: React.HTMLAttributes<HTMLHeadingElement> & ExtraProps) {
    if (textOf(node).trim() === "") return null;
    return <Tag className={`${HEADING} ${className}`}>{children}</Tag>;
  };
}

const COMPONENTS: Components = {
  h1: heading("h3", "mt-4 text-base first:mt-0"),
  h2: heading("h4", "mt-4 text-sm first:mt-0"),
  h3: heading("h5", "mt-3 text-sm first:mt-0"),
  h4: heading("h6", "mt-3 text-sm first:mt-0"),
  h5: heading("h6", "mt-3 text-sm first:mt-0"),
  h6: heading("h6", "mt-3 text-sm first:mt-0"),
  p: ({ children }) => <p className="my-2 first:mt-0 last:mb-0">{children}</p>,
  ul: ({ children }) => <ul className="my-2 list-disc space-y-1 pl-5">{children}</ul>,
  ol: ({ children, start }) => (
    <ol start={start} className="my-2 list-decimal space-y-1 pl-5">
      {children}
    </ol>
  ),
  li: ({ children }) => <li className="pl-0.5">{children}</li>,
  blockquote: ({ children }) => <blockquote className="my-2 border-l-4 border-slate-200 pl-3 text-slate-700">{children}</blockquote>,
  hr: () => <hr className="my-3 border-slate-200" />,
  strong: ({ children }) => <strong className="font-semibold text-slate-900">{children}</strong>,
  pre: ({ children }) => <pre className="my-2 overflow-x-auto rounded-md bg-slate-900 p-3 text-xs leading-relaxed text-slate-100 [&>code]:bg-transparent [&>code]:p-0 [&>code]:text-inherit">{children}</pre>,
  code: ({ children }) => <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.85em] text-slate-800">{children}</code>,
  a: ({ href, children, node }) => {
    const text = textOf(node).trim();
    if (!href) {
      return (
        <span className="text-slate-800" title="Link removed: runbooks link only to http(s) addresses">
          {children}
        </span>
      );
    }
    return (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow" className="font-medium text-brand-700 underline underline-offset-2 hover:text-brand-600">
        {text === "" ? href : children}
        <span className="sr-only"> (opens in a new tab)</span>
      </a>
    );
  },
  img: ({ alt }) => <span className="italic text-slate-600">[image{typeof alt === "string" && alt.trim() ? `: ${alt.trim()}` : ""}]</span>,
};

export function Markdown({ source }: { source: string }) {
  return (
    <div className="text-sm leading-relaxed break-words text-slate-800" data-testid="markdown">
      <ReactMarkdown components={COMPONENTS} urlTransform={(url) => safeUrl(url)}>
        {source}
      </ReactMarkdown>
    </div>
  );
}
