// A runbook's text as the card, the banners and the pages show it: rendered markdown, or the empty state.
import { Markdown } from "./markdown";

export const EMPTY_RUNBOOK = "No runbook yet: write what to check and whom to call.";

export function RunbookText({ body }: { body: string | null }) {
  if (body === null || body.trim() === "") {
    return (
      <p className="text-sm text-slate-600" data-testid="runbook-empty">
        {EMPTY_RUNBOOK}
      </p>
    );
  }
  return <Markdown source={body} />;
}

/** "Version 3 · changed by ops@… · 2026-05-01 09:12 UTC": who changed it last, in one line. */
export function runbookVersionLine(runbook: { target: "AGENT" | "POLICY"; version: number; updatedBy: string | null; updatedAt: string | null }): string {
  if (runbook.version === 0) return "Not versioned yet";
  const noun = runbook.target === "POLICY" ? "Policy version" : "Version";
  const by = runbook.updatedBy ? ` · changed by ${runbook.updatedBy}` : "";
  const at = runbook.updatedAt ? ` · ${runbook.updatedAt.slice(0, 16).replace("T", " ")} UTC` : "";
  return `${noun} ${runbook.version}${by}${at}`;
}
