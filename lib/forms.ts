/** The result every server action returns to its form. */
import { isAppError } from "@/lib/errors";

export type FieldErrors = Record<string, string[] | undefined>;

export type ActionState<T = undefined> =
  | { status: "idle"; message?: undefined; errors?: undefined; data?: undefined }
  | { status: "success"; message: string; errors?: undefined; data?: T }
  | { status: "invalid"; message: string; errors: FieldErrors; data?: undefined }
  | { status: "error"; message: string; errors?: undefined; data?: undefined };

export const IDLE: ActionState<never> = { status: "idle" };

export function invalid(errors: FieldErrors, message = "Check the highlighted fields."): ActionState<never> {
  return { status: "invalid", message, errors };
}

/** An AppError's message is safe to show; anything else is logged and answered generically. */
export function actionError(error: unknown, context: string): ActionState<never> {
  if (isAppError(error)) return { status: "error", message: error.message };
  console.error(`[flightdeck] ${context} failed`, error);
  return { status: "error", message: "That did not work because of an error on our side; it has been logged." };
}

/** zod's flattened field errors in our shape. */
export function fieldErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".") || "form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}
