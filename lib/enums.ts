/**
 * The domain's enumerations, from Prisma's generated browser-safe enums (the
 * schema is their one source): value lists for zod and forms, and their types.
 * Safe to import from client components.
 */
import { ChangeKind, ChangeStatus, Outcome, Role, RunStatus, StepKind, StepStatus } from "@/lib/generated/prisma/enums";

/** The values of a generated enum object as a non-empty tuple, in schema order (what z.enum wants). */
function valuesOf<T extends Record<string, string>>(e: T): [T[keyof T], ...T[keyof T][]] {
  return Object.values(e) as [T[keyof T], ...T[keyof T][]];
}

export const ROLES = valuesOf(Role);
export type RoleName = Role;

export const STEP_KINDS = valuesOf(StepKind);
export type StepKindName = StepKind;

export const STEP_STATUSES = valuesOf(StepStatus);
export type StepStatusName = StepStatus;

export const RUN_STATUSES = valuesOf(RunStatus);
export type RunStatusName = RunStatus;

export const OUTCOMES = valuesOf(Outcome);
export type OutcomeName = Outcome;

export const CHANGE_KINDS = valuesOf(ChangeKind);
export type ChangeKindName = ChangeKind;

export const CHANGE_STATUSES = valuesOf(ChangeStatus);
export type ChangeStatusName = ChangeStatus;
