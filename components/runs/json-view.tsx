/** JSON payloads and chat messages, readable and bounded in height. */

export function JsonBlock({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <p className="text-xs text-slate-500">none</p>;
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-words rounded bg-slate-50 p-2 font-mono text-[11px] text-slate-800 ring-1 ring-slate-200">{text}</pre>;
}

interface MessageLike {
  role?: unknown;
  content?: unknown;
  parts?: unknown;
}

function messageText(m: MessageLike): string {
  if (typeof m.content === "string") return m.content;
  if (Array.isArray(m.parts)) {
    return m.parts
      .map((p: unknown) => {
        if (p && typeof p === "object") {
          const part = p as { content?: unknown; text?: unknown };
          if (typeof part.content === "string") return part.content;
          if (typeof part.text === "string") return part.text;
        }
        return JSON.stringify(p);
      })
      .join("\n");
  }
  return m.content === undefined ? JSON.stringify(m) : JSON.stringify(m.content, null, 2);
}

export function Messages({ value }: { value: unknown }) {
  if (!Array.isArray(value)) return <JsonBlock value={value} />;
  if (value.length === 0) return <p className="text-xs text-slate-500">none</p>;
  return (
    <ol className="max-h-80 space-y-1.5 overflow-auto">
      {value.map((raw, i) => {
        const m = (raw && typeof raw === "object" ? raw : { content: raw }) as MessageLike;
        return (
          <li key={i} className="rounded bg-slate-50 p-2 ring-1 ring-slate-200">
            <div className="text-[10px] font-semibold uppercase tracking-wide text-slate-500">{typeof m.role === "string" ? m.role : "message"}</div>
            <div className="whitespace-pre-wrap break-words text-xs text-slate-800">{messageText(m)}</div>
          </li>
        );
      })}
    </ol>
  );
}
