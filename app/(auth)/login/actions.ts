"use server";

import { AuthError } from "next-auth";
import { signIn } from "@/lib/auth";
import { safeRedirectPath } from "@/lib/auth/safe-redirect";

export type LoginState = { error?: string; email?: string };

export async function signInWithPassword(_prev: LoginState, formData: FormData): Promise<LoginState> {
  const email = String(formData.get("email") ?? "");
  try {
    await signIn("credentials", {
      email,
      password: formData.get("password"),
      // The login page already reduced callbackUrl to a path; check again, the form field is the browser's.
      redirectTo: safeRedirectPath(formData.get("callbackUrl")),
    });
    return {};
  } catch (error) {
    if (error instanceof AuthError) {
      return {
        email,
        error:
          error.type !== "CredentialsSignin"
            ? "Sign-in failed. Try again."
            : (error as AuthError & { code?: string }).code === "too_many_attempts"
              ? "Too many failed sign-ins. Wait a few seconds (at most 30 for an account) and try again."
              : "Wrong e-mail or password, or the account is disabled.",
      };
    }
    throw error; // the redirect after a successful sign-in
  }
}

export async function signInWithOidc(formData: FormData): Promise<void> {
  await signIn("oidc", { redirectTo: safeRedirectPath(formData.get("callbackUrl")) });
}
