"use server";

import { AuthError } from "next-auth";
import { signIn } from "@/lib/auth";
import { safeCallback } from "./safe-callback";

export type LoginState = { error?: string; email?: string };

export async function signInWithPassword(_prev: LoginState, formData: FormData): Promise<LoginState> {
  const email = String(formData.get("email") ?? "");
  try {
    await signIn("credentials", {
      email,
      password: formData.get("password"),
      redirectTo: safeCallback(formData.get("callbackUrl")),
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
              ? "Too many wrong passwords for this e-mail. Wait 15 minutes, or ask an admin."
              : "Wrong e-mail or password, or the account is disabled.",
      };
    }
    throw error; // the redirect after a successful sign-in
  }
}

export async function signInWithOidc(formData: FormData): Promise<void> {
  await signIn("oidc", { redirectTo: safeCallback(formData.get("callbackUrl")) });
}
