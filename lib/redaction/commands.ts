/** Redaction settings and rules: the audited domain functions behind Settings › Redaction. */
import "server-only";
import { appendAudit, type Actor } from "@/lib/audit";
import { db, type Tx } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { REDACTION_ENABLED_KEY } from "./redactor";
import { BUILTIN_KINDS, type BuiltinKind } from "./detectors";
import { checkCustomPattern } from "./safety";
import type { CreateCustomRuleInput } from "./schemas";

const RULE_FIELDS = { id: true, name: true, kind: true, pattern: true, enabled: true } as const;

/** The row that switches a built-in detector; built-ins are on when it is absent. */
export const builtinRuleName = (kind: BuiltinKind) => `builtin:${kind.toLowerCase()}`;

export async function setRedactionEnabled(actor: Actor, enabled: boolean): Promise<void> {
  await db.$transaction(async (tx) => {
    const before = await tx.setting.findUnique({ where: { key: REDACTION_ENABLED_KEY } });
    await tx.setting.upsert({
      where: { key: REDACTION_ENABLED_KEY },
      create: { key: REDACTION_ENABLED_KEY, value: enabled },
      update: { value: enabled },
    });
    await appendAudit(tx, {
      actor,
      action: "setting.update",
      targetType: "setting",
      targetId: REDACTION_ENABLED_KEY,
      before: { value: before?.value ?? false },
      after: { value: enabled },
    });
  });
}

export async function setBuiltinDetectors(actor: Actor, enabledKinds: readonly BuiltinKind[]): Promise<void> {
  await db.$transaction(async (tx) => {
    const rows = await tx.redactionRule.findMany({ where: { kind: { in: [...BUILTIN_KINDS] }, pattern: null } });
    const state = (kinds: (k: BuiltinKind) => boolean) => Object.fromEntries(BUILTIN_KINDS.map((k) => [k, kinds(k)]));
    const before = state((k) => rows.find((r) => r.kind === k)?.enabled ?? true);
    const after = state((k) => enabledKinds.includes(k));
    for (const kind of BUILTIN_KINDS) {
      const enabled = enabledKinds.includes(kind);
      await tx.redactionRule.upsert({
        where: { name: builtinRuleName(kind) },
        create: { name: builtinRuleName(kind), kind, enabled },
        update: { enabled },
      });
    }
    await appendAudit(tx, { actor, action: "redaction_builtins.update", targetType: "redaction_rule", before, after });
  });
}

export async function createCustomRule(actor: Actor, input: CreateCustomRuleInput) {
  const check = await checkCustomPattern(input.rulePattern);
  if (!check.ok) throw new AppError("bad_request:redaction_rule", check.reason, { rulePattern: [check.reason] });
  try {
    return await db.$transaction(async (tx) => {
      const rule = await tx.redactionRule.create({
        data: { name: input.ruleName, kind: "CUSTOM", pattern: input.rulePattern, enabled: true },
        select: RULE_FIELDS,
      });
      await appendAudit(tx, { actor, action: "redaction_rule.create", targetType: "redaction_rule", targetId: rule.id, after: rule });
      return rule;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict:redaction_rule", `A rule named “${input.ruleName}” exists already.`);
    throw error;
  }
}

async function findCustomRule(tx: Tx, id: string) {
  const rule = await tx.redactionRule.findUnique({ where: { id }, select: RULE_FIELDS });
  if (!rule || rule.kind !== "CUSTOM") throw new AppError("not_found:redaction_rule", "That rule no longer exists.");
  return rule;
}

export async function setCustomRuleEnabled(actor: Actor, id: string, enabled: boolean) {
  return db.$transaction(async (tx) => {
    const before = await findCustomRule(tx, id);
    const after = await tx.redactionRule.update({ where: { id }, data: { enabled }, select: RULE_FIELDS });
    await appendAudit(tx, { actor, action: "redaction_rule.update", targetType: "redaction_rule", targetId: id, before, after });
    return after;
  });
}

export async function deleteCustomRule(actor: Actor, id: string) {
  return db.$transaction(async (tx) => {
    const before = await findCustomRule(tx, id);
    await tx.redactionRule.delete({ where: { id } });
    await appendAudit(tx, { actor, action: "redaction_rule.delete", targetType: "redaction_rule", targetId: id, before });
    return before;
  });
}
