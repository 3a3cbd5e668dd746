/** Redaction settings and rules: the audited commands behind Settings › Redaction. */
import "server-only";
import type { Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { BUILTIN_KINDS, type BuiltinKind } from "./detectors";
import { REDACTION_ENABLED_KEY } from "./redactor";
import { checkCustomPattern } from "./safety";
import type { CreateCustomRuleInput } from "./schemas";

const RULE_FIELDS = { id: true, name: true, kind: true, pattern: true, enabled: true } as const;
const ADMIN = { user: "admin", key: "admin" } as const;

/** The row that switches a built-in detector; built-ins are on when it is absent. */
export const builtinRuleName = (kind: BuiltinKind) => `builtin:${kind.toLowerCase()}`;

export const setRedactionEnabledCommand = defineCommand("setting.update", ADMIN, async (tx, _actor, enabled: boolean) => {
  const before = await tx.setting.findUnique({ where: { key: REDACTION_ENABLED_KEY } });
  await tx.setting.upsert({
    where: { key: REDACTION_ENABLED_KEY },
    create: { key: REDACTION_ENABLED_KEY, value: enabled },
    update: { value: enabled },
  });
  return {
    result: undefined,
    audit: { targetType: "setting", targetId: REDACTION_ENABLED_KEY, before: { value: before?.value ?? false }, after: { value: enabled } },
  };
});

export const setBuiltinDetectorsCommand = defineCommand("redaction_builtins.update", ADMIN, async (tx, _actor, enabledKinds: readonly BuiltinKind[]) => {
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
  return { result: undefined, audit: { targetType: "redaction_rule", before, after } };
});

/** The pattern is checked (linear-time, within limits) before the transaction opens. */
export const createCustomRuleCommand = defineCommand("redaction_rule.create", ADMIN, async (tx, _actor, input: CreateCustomRuleInput) => {
  const rule = await tx.redactionRule.create({
    data: { name: input.ruleName, kind: "CUSTOM", pattern: input.rulePattern, enabled: true },
    select: RULE_FIELDS,
  });
  return { result: rule, audit: { targetType: "redaction_rule", targetId: rule.id, after: rule } };
});

async function findCustomRule(tx: Tx, id: string) {
  const rule = await tx.redactionRule.findUnique({ where: { id }, select: RULE_FIELDS });
  if (!rule || rule.kind !== "CUSTOM") throw new AppError("not_found:redaction_rule", "That rule no longer exists.");
  return rule;
}

export const setCustomRuleEnabledCommand = defineCommand("redaction_rule.update", ADMIN, async (tx, _actor, input: { id: string; enabled: boolean }) => {
  const before = await findCustomRule(tx, input.id);
  const after = await tx.redactionRule.update({ where: { id: input.id }, data: { enabled: input.enabled }, select: RULE_FIELDS });
  return { result: after, audit: { targetType: "redaction_rule", targetId: input.id, before, after } };
});

export const deleteCustomRuleCommand = defineCommand("redaction_rule.delete", ADMIN, async (tx, _actor, id: string) => {
  const before = await findCustomRule(tx, id);
  await tx.redactionRule.delete({ where: { id } });
  return { result: before, audit: { targetType: "redaction_rule", targetId: id, before } };
});

export const setRedactionEnabled = (actor: Actor, enabled: boolean) => execute(setRedactionEnabledCommand, actor, enabled);
export const setBuiltinDetectors = (actor: Actor, enabledKinds: readonly BuiltinKind[]) => execute(setBuiltinDetectorsCommand, actor, enabledKinds);
export const setCustomRuleEnabled = (actor: Actor, id: string, enabled: boolean) => execute(setCustomRuleEnabledCommand, actor, { id, enabled });
export const deleteCustomRule = (actor: Actor, id: string) => execute(deleteCustomRuleCommand, actor, id);

export async function createCustomRule(actor: Actor, input: CreateCustomRuleInput) {
  const check = await checkCustomPattern(input.rulePattern);
  if (!check.ok) throw new AppError("bad_request:redaction_rule", check.reason, { rulePattern: [check.reason] });
  try {
    return await execute(createCustomRuleCommand, actor, input);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict:redaction_rule", `A rule named “${input.ruleName}” exists already.`);
    throw error;
  }
}
