/**
 * A runbook (markdown, rendered safely) of an agent or a policy: its text or
 * the empty state, its version and who changed it last, its history, and for
 * those allowed an "Edit" form (agents) or the way to change it (policies,
 * whose runbook changes with the policy, through change control).
 * `compact`: the rendered text only, for banners and other pages.
 * `canEdit` only shows the form; the server action checks the scope itself.
 */
import Link from "next/link";
import { Card, CardHeader } from "@/components/ui/card";
import { runbookHistory, runbookOf, type RunbookTarget } from "@/lib/runbooks/queries";
import { RUNBOOK_MAX_CHARS, RUNBOOK_MESSAGE_MAX_CHARS } from "@/lib/runbooks/schemas";
import { RunbookEditor } from "./runbook-editor";
import { RunbookHistoryList } from "./runbook-history";
import { runbookVersionLine, RunbookText } from "./runbook-text";

export async function RunbookCard({
  target,
  targetId,
  targetName,
  canEdit,
  compact = false,
}: {
  target: RunbookTarget;
  targetId: string;
  targetName: string;
  canEdit: boolean;
  compact?: boolean;
}) {
  const runbook = await runbookOf(target, targetId);
  if (compact) return <RunbookText body={runbook?.body ?? null} />;
  const what = target === "AGENT" ? `agent ${targetName}` : `policy “${targetName}”`;
  if (!runbook) {
    return (
      <Card data-testid="runbook-card">
        <CardHeader title="Runbook" />
        <p className="px-5 py-4 text-sm text-slate-600">The {what} no longer exists.</p>
      </Card>
    );
  }
  const history = await runbookHistory(target, targetId);
  const versioned = runbook.body !== null || runbook.version > 0;
  return (
    <Card data-testid="runbook-card">
      <CardHeader title="Runbook" description={`What to check and whom to call when ${what} needs a person.`} />
      <div className="space-y-4 px-5 py-4">
        <RunbookText body={runbook.body} />
        {versioned && (
          <p className="text-xs text-slate-600" data-testid="runbook-version-line">
            {runbookVersionLine(runbook)}
            {runbook.message && <> · “{runbook.message}”</>}
          </p>
        )}
        {canEdit && target === "AGENT" && (
          <RunbookEditor agentId={targetId} agentName={targetName} body={runbook.body ?? ""} version={runbook.version} maxChars={RUNBOOK_MAX_CHARS} messageMaxChars={RUNBOOK_MESSAGE_MAX_CHARS} />
        )}
        {canEdit && target === "POLICY" && (
          <p className="text-sm text-slate-600">
            A policy&apos;s runbook changes with the policy, as a change:{" "}
            <Link href={`/escalations/policies#policy-${targetId}`} className="font-medium text-brand-700 underline underline-offset-2">
              edit the policy
            </Link>
            .
          </p>
        )}
        <RunbookHistoryList history={history} current={runbook.version} policy={target === "POLICY"} />
      </div>
    </Card>
  );
}
