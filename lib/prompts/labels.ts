/**
 * Prompt labels under change control: the applier of `PROMPT_LABEL` changes
 * (a label's state is `{ version, canary }`; null when the label does not
 * exist) and the command behind the console's "Move label" form and
 * POST /api/v1/prompts/{name}/labels. Every move, direct or approved, is a
 * Change and leaves a PromptLabelMove row, so a label's history says which
 * version it served from when to when, who moved it and through which change.
 *
 * Protection is per prompt (`Prompt.protectedLabels`, `production` by
 * default, whether the label exists yet or not): moving a protected label
 * only proposes; no API key scope can move it directly.
 */
import type { Actor } from "@/lib/audit";
import { proposeChange, CHANGE_TX_OPTIONS, type ProposeResult } from "@/lib/changes/commands";
import { registerApplier, type ChangeState } from "@/lib/changes/registry";
import { defineCommand, execute } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { emitEvent, mrkdwn } from "@/lib/webhooks/events";
import { labelStateSchema, type Canary, type LabelState } from "./labels-schema";

export const LABEL_TARGET = "prompt_label";

/** `invoice-reconcile:production` (prompt names cannot hold a colon). */
export const labelTargetId = (prompt: string, label: string) => `${prompt}:${label}`;

export function parseLabelTarget(targetId: string): { prompt: string; label: string } {
  const at = targetId.indexOf(":");
  if (at < 1) throw new AppError("bad_request:change_target", `Malformed prompt label target “${targetId}”.`);
  return { prompt: targetId.slice(0, at), label: targetId.slice(at + 1) };
}

function asLabelState(state: ChangeState): LabelState | null {
  if (state === null) return null;
  const parsed = labelStateSchema.safeParse(state);
  if (!parsed.success) throw new AppError("internal:change_state", "A stored label state is malformed.");
  return parsed.data;
}

export function describeLabelState(state: ChangeState): string {
  const s = asLabelState(state);
  if (!s) return "unset";
  return s.canary ? `v${s.version} + ${s.canary.weight} % on v${s.canary.version}` : `v${s.version}`;
}

async function lockPrompt(tx: Tx, name: string): Promise<{ id: string; protectedLabels: string[] }> {
  const rows = await tx.$queryRaw<{ id: string; protectedLabels: string[] | null }[]>`
    SELECT "id", "protectedLabels" FROM "Prompt" WHERE "name" = ${name} FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new AppError("not_found:prompt", `There is no prompt named “${name}”.`);
  return { id: row.id, protectedLabels: row.protectedLabels ?? [] };
}

/** Version numbers → ids of one prompt; throws not_found for a version that does not exist. */
async function versionIds(tx: Tx, promptId: string, prompt: string, numbers: number[]): Promise<Map<number, string>> {
  const rows = await tx.promptVersion.findMany({ where: { promptId, version: { in: numbers } }, select: { id: true, version: true } });
  const ids = new Map(rows.map((r) => [r.version, r.id]));
  for (const n of numbers) if (!ids.has(n)) throw new AppError("not_found:prompt_version", `The prompt “${prompt}” has no version ${n}.`);
  return ids;
}

export const promptLabelApplier = registerApplier({
  kind: "PROMPT_LABEL",
  targetType: LABEL_TARGET,
  describeTarget(targetId) {
    const { prompt, label } = parseLabelTarget(targetId);
    return `${prompt} · ${label}`;
  },
  async lockState(tx, targetId) {
    const { prompt, label } = parseLabelTarget(targetId);
    const { id } = await lockPrompt(tx, prompt);
    const row = await tx.promptLabel.findUnique({
      where: { promptId_name: { promptId: id, name: label } },
      select: { version: { select: { version: true } }, canaryVersion: { select: { version: true } }, canaryWeight: true },
    });
    if (!row) return null;
    const canary: Canary | null = row.canaryVersion && row.canaryWeight ? { version: row.canaryVersion.version, weight: row.canaryWeight } : null;
    return { version: row.version.version, canary } satisfies LabelState;
  },
  async write(tx, targetId, state, { changeId, actor, from }) {
    const { prompt, label } = parseLabelTarget(targetId);
    const { id: promptId } = await lockPrompt(tx, prompt);
    const next = asLabelState(state);
    const previous = asLabelState(from);
    if (next === null) {
      await tx.promptLabel.deleteMany({ where: { promptId, name: label } });
    } else {
      const ids = await versionIds(tx, promptId, prompt, next.canary ? [next.version, next.canary.version] : [next.version]);
      const data = { versionId: ids.get(next.version)!, canaryVersionId: next.canary ? ids.get(next.canary.version)! : null, canaryWeight: next.canary?.weight ?? null };
      await tx.promptLabel.upsert({ where: { promptId_name: { promptId, name: label } }, create: { id: newId(), promptId, name: label, ...data }, update: data });
    }
    await tx.promptLabelMove.create({
      data: {
        promptId,
        label,
        version: next?.version ?? null,
        fromVersion: previous?.version ?? null,
        canaryVersion: next?.canary?.version ?? null,
        canaryWeight: next?.canary?.weight ?? null,
        changeId,
        movedByName: actor.label,
      },
    });
    await emitEvent(tx, {
      type: "prompt.label_moved",
      data: { prompt, label, version: next?.version ?? null, previousVersion: previous?.version ?? null, canary: next?.canary ?? null, changeId },
      text: mrkdwn`Prompt *${prompt}* label \`${label}\` now serves ${describeLabelState(state)} (was ${describeLabelState(from)}), moved by ${actor.label}.`,
      link: { url: `/prompts/${prompt}`, label: "Open the prompt" },
    });
  },
  async isProtected(tx, targetId) {
    const { prompt, label } = parseLabelTarget(targetId);
    const { protectedLabels } = await lockPrompt(tx, prompt);
    return protectedLabels.includes(label);
  },
  summarize(before, after) {
    return before === null && after !== null ? describeLabelState(after) : `${describeLabelState(before)} → ${describeLabelState(after)}`;
  },
});

export interface MoveLabelInput {
  prompt: string;
  label: string;
  version: number;
  canary: Canary | null;
  reason: string;
}

/**
 * Moves a label (unprotected: applied at once, 200) or proposes the move
 * (protected: a pending change, 202). People need `changes:propose`; keys
 * `prompts:write`, and a key's proposal still waits for a person.
 */
export const moveLabelCommand = defineCommand("change.propose", { user: "changes:propose", key: "prompts:write" }, async (tx, actor, input: MoveLabelInput) => {
  const { id: promptId } = await lockPrompt(tx, input.prompt);
  await versionIds(tx, promptId, input.prompt, input.canary ? [input.version, input.canary.version] : [input.version]);
  const after: LabelState = { version: input.version, canary: input.canary };
  return proposeChange(tx, actor, promptLabelApplier, { targetId: labelTargetId(input.prompt, input.label), after, reason: input.reason });
});

export const moveLabel = (actor: Actor, input: MoveLabelInput): Promise<ProposeResult> => execute(moveLabelCommand, actor, input, CHANGE_TX_OPTIONS);

/** Sets which labels of a prompt are protected (admins only: lifting protection is where four eyes would leak). */
export const setProtectedLabelsCommand = defineCommand("prompt.update", { user: "admin" }, async (tx, _actor, input: { prompt: string; labels: string[] }) => {
  const { id, protectedLabels } = await lockPrompt(tx, input.prompt);
  const labels = [...new Set(input.labels)].sort();
  if (labels.join(",") === [...protectedLabels].sort().join(",")) return { result: labels, audit: null };
  await tx.prompt.update({ where: { id }, data: { protectedLabels: labels } });
  return { result: labels, audit: { targetType: "prompt", targetId: id, before: { protectedLabels }, after: { protectedLabels: labels }, metadata: { prompt: input.prompt } } };
});

export const setProtectedLabels = (actor: Actor, prompt: string, labels: string[]) => execute(setProtectedLabelsCommand, actor, { prompt, labels });
