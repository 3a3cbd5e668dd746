/** The AppError a promise rejects with; fails the test when it resolves or rejects with anything else. */
import { expect } from "vitest";
import { AppError } from "@/lib/errors";

export async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
