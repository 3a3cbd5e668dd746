/**
 * Change control's registry of appliers: one per kind of thing that steers
 * agents (a prompt label, an agent's configuration; policies and budgets join
 * in their own areas). Change control itself (lib/changes/commands.ts) knows
 * nothing of prompts or agents: it locks the target through its applier,
 * compares the target's state with the change's `before`, and calls `write`
 * to move it to `after` (apply) or back to `before` (rollback), inside the
 * transaction that records the decision and its audit event.
 *
 * A target's state is plain JSON (what `Change.before` / `Change.after`
 * hold), so "is the target still where the proposer saw it?" is one
 * comparison, and a rollback is the same write with the states swapped.
 */
import type { Actor } from "@/lib/audit";
import type { Tx } from "@/lib/db";
import type { ChangeKindName } from "@/lib/enums";
import { AppError } from "@/lib/errors";
import { canonicalJson, toJsonValue } from "@/lib/audit/canonical";

export type ChangeState = Record<string, unknown> | null;

export interface WriteContext {
  changeId: string;
  actor: Actor;
  /** The state the target leaves (for history rows and events). */
  from: ChangeState;
}

export interface Applier {
  kind: ChangeKindName;
  targetType: string;
  /** What people call the target, e.g. `invoice-reconcile · production`. */
  describeTarget(targetId: string): string;
  /** Locks the target for the rest of the transaction and reads its state (null: absent). Throws not_found for an unknown target. */
  lockState(tx: Tx, targetId: string): Promise<ChangeState>;
  /** Moves the target to `state`; writes the target's own history and events. */
  write(tx: Tx, targetId: string, state: ChangeState, context: WriteContext): Promise<void>;
  /** Whether this move of the target needs an approved change (a budget: only when it loosens). */
  isProtected(tx: Tx, targetId: string, move: { before: ChangeState; after: ChangeState }): Promise<boolean>;
  /** One line for lists, e.g. `production: v2 → v3`. */
  summarize(before: ChangeState, after: ChangeState): string;
}

const APPLIERS = new Map<string, Applier>();

/** Registers the applier of a kind (once per process; a second one for the same kind is a bug). */
export function registerApplier(applier: Applier): Applier {
  const existing = APPLIERS.get(applier.kind);
  if (existing && existing !== applier) throw new Error(`Two appliers for change kind ${applier.kind}`);
  APPLIERS.set(applier.kind, applier);
  return applier;
}

export function applierFor(kind: string): Applier {
  const applier = APPLIERS.get(kind);
  if (!applier) throw new AppError("internal:change_kind", `No applier is registered for changes of kind ${kind}.`);
  return applier;
}

export function registeredKinds(): string[] {
  return [...APPLIERS.keys()];
}

/** Two states are the same when their canonical JSON is (key order does not matter). */
export function sameState(a: unknown, b: unknown): boolean {
  return canonicalJson(toJsonValue(a ?? null)) === canonicalJson(toJsonValue(b ?? null));
}
