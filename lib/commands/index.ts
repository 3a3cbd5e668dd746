/**
 * Commands: every mutation of the console, as `fn(tx, actor, input)`.
 *
 * A command is owned by its area (`lib/<area>/commands.ts`) and does its writes
 * on the transaction it is given, then appends its audit event on that same
 * transaction, so several commands compose into one atomic unit: approving a
 * change calls the prompt area's `movePromptLabel` inside the change area's
 * transaction, and both events commit (or roll back) with it.
 *
 * `execute(command, actor, input)` is the thin wrapper callers outside a
 * transaction use: it re-reads the caller's role or key scopes (a role changed
 * or a key revoked since the session or the request began counts), opens the
 * transaction and runs the command. Server actions and routes still
 * check their scope first for a precise message; this is the check that holds
 * whatever the entry point.
 */
import { appendAudit, type Actor } from "@/lib/audit";
import type { AuditAction } from "@/lib/audit/actions";
import { getDb, type Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { hasScope, isRole, keyHasScope, type ApiKeyScope, type Scope } from "@/lib/rbac";

/** What a command's audit event says beyond who and which action. */
export interface AuditRecord {
  /** Only where one command records one of two actions (e.g. `api_key.create` or `api_key.restore`). */
  action?: AuditAction;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  metadata?: unknown;
}

/** A command's result and its audit record (`audit: null`: nothing changed, so no event). */
export interface Outcome<O> {
  result: O;
  audit: AuditRecord | null;
}

/** Who may run a command: a person's scope, and the API key scope that may run it too (none: people only). */
export interface CommandScope {
  /** null: any active user (e.g. recording their own sign-in). */
  user: Scope | null;
  key?: ApiKeyScope;
}

export interface Command<I, O> {
  (tx: Tx, actor: Actor, input: I): Promise<O>;
  readonly action: AuditAction;
  readonly scope: CommandScope;
}

/** Every command defined in this process, for the catalogue test. */
export const COMMANDS: Command<never, unknown>[] = [];

/** Declares a command: its audit action (from the catalogue), its scope and its writes. */
export function defineCommand<I, O>(
  action: AuditAction,
  scope: CommandScope,
  run: (tx: Tx, actor: Actor, input: I) => Promise<Outcome<O>>,
): Command<I, O> {
  const command = async (tx: Tx, actor: Actor, input: I): Promise<O> => {
    const { result, audit } = await run(tx, actor, input);
    if (audit) await appendAudit(tx, { actor, ...audit, action: audit.action ?? action });
    return result;
  };
  const defined = Object.assign(command, { action, scope });
  COMMANDS.push(defined as unknown as Command<never, unknown>);
  return defined;
}

export interface ExecuteOptions {
  maxWait?: number;
  timeout?: number;
}

/**
 * Runs a command in a transaction of its own, after checking the actor may run
 * it. The role or key is read fresh just before the transaction opens (not in
 * it: a concurrent change of the caller's own role is the command's own
 * business, e.g. the last-admin rule answers it as a conflict).
 */
export async function execute<I, O>(command: Command<I, O>, actor: Actor, input: I, options?: ExecuteOptions): Promise<O> {
  const db = getDb();
  await assertMayRun(db, actor, command.scope);
  return db.$transaction((tx) => command(tx, actor, input), options);
}

/** The caller's current role (active users only) or key scopes (valid keys only) allow `scope`; SYSTEM always may. */
export async function assertMayRun(tx: Tx, actor: Actor, scope: CommandScope): Promise<void> {
  if (actor.type === "SYSTEM") return;
  if (actor.type === "USER") {
    const user = await tx.user.findUnique({ where: { id: actor.id }, select: { role: true, disabled: true } });
    if (!user || user.disabled || !isRole(user.role)) {
      throw new AppError("unauthorized:session", "Your session has ended. Sign in again.");
    }
    if (scope.user !== null && !hasScope(user.role, scope.user)) {
      throw new AppError(`forbidden:${scope.user}`, `Your role (${user.role}) is not allowed to do this (needs ${scope.user}).`);
    }
    return;
  }
  const key = await tx.apiKey.findUnique({ where: { id: actor.id }, select: { scopes: true, revokedAt: true, expiresAt: true } });
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= new Date())) {
    throw new AppError("unauthorized:api_key", "The API key is not valid (unknown, revoked or expired).");
  }
  if (!scope.key || !keyHasScope(key.scopes, scope.key)) {
    throw new AppError("forbidden:api_key", scope.key ? `This API key lacks the \`${scope.key}\` scope.` : "API keys cannot do this; a person must.");
  }
}
