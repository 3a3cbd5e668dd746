import Link from "next/link";
import { ConfigDiff, TemplateDiff } from "@/components/prompts/version-diff";
import { describeConfigState } from "@/lib/agents/config";
import type { ChangeDiff } from "@/lib/changes/queries";
import { describeLabelState } from "@/lib/prompts/labels";

/** What the change does, per kind: a label's move with the prompt versions' diff, or an agent configuration's fields. */
export function ChangeDiffView({ diff }: { diff: ChangeDiff }) {
  if (diff.kind === "PROMPT_LABEL") {
    return (
      <div>
        <p className="px-5 py-3 text-sm text-slate-700">
          Label <code className="font-mono">{diff.label}</code> of{" "}
          <Link href={`/prompts/${diff.prompt}`} className="font-medium text-brand-700 hover:underline">
            {diff.prompt}
          </Link>
          : <strong>{describeLabelState(diff.before)}</strong> → <strong>{describeLabelState(diff.after)}</strong>
        </p>
        {diff.versions ? (
          <div className="border-t border-slate-100" role="region" aria-label={`Diff v${diff.versions.from.version} → v${diff.versions.to.version}`}>
            <TemplateDiff rows={diff.versions.template} fromVersion={diff.versions.from.version} toVersion={diff.versions.to.version} />
            <div className="space-y-2 border-t border-slate-100 px-5 py-4">
              <h3 className="text-sm font-semibold text-slate-800">Config</h3>
              <ConfigDiff changes={diff.versions.config} />
            </div>
          </div>
        ) : (
          <p className="border-t border-slate-100 px-5 py-3 text-sm text-slate-600">The label&apos;s version does not change (a canary split is started, re-weighted or ended), or the label is new.</p>
        )}
      </div>
    );
  }
  if (diff.kind === "AGENT_CONFIG") {
    return (
      <div className="space-y-2 px-5 py-4">
        <p className="text-sm text-slate-700">
          Agent{" "}
          <Link href={`/agents/${diff.agent}`} className="font-medium text-brand-700 hover:underline">
            {diff.agent}
          </Link>
          : <strong>{describeConfigState(diff.beforeVersion === null ? null : { version: diff.beforeVersion })}</strong> →{" "}
          <strong>{describeConfigState(diff.afterVersion === null ? null : { version: diff.afterVersion })}</strong>
        </p>
        <ConfigDiff changes={diff.config} />
      </div>
    );
  }
  return (
    <pre className="overflow-x-auto px-5 py-4 text-xs text-slate-700">{JSON.stringify({ before: diff.before, after: diff.after }, null, 2)}</pre>
  );
}
