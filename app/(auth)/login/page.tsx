import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { Button } from "@/components/ui/button";
import { safeRedirectPath } from "@/lib/auth/safe-redirect";
import { oidcEnabled, readEnv } from "@/lib/env";
import { getCurrentUser } from "@/lib/session";
import { signInWithOidc } from "./actions";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  AccessDenied: "Your single sign-on account is not allowed here (disabled, or no e-mail address).",
  Configuration: "Sign-in is misconfigured on the server; an admin should check the logs.",
};

async function requestOrigin(): Promise<string | undefined> {
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host");
  return host ? `${h.get("x-forwarded-proto") ?? "http"}://${host}` : undefined;
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const params = await searchParams;
  const env = readEnv();
  // The proxy sends the full href of where the visitor was going: keep its path if it is this site's.
  const callbackUrl = safeRedirectPath(params.callbackUrl, env.AUTH_URL ?? (await requestOrigin()));
  if (await getCurrentUser()) redirect(callbackUrl);
  const error = params.error ? (ERRORS[params.error] ?? "Sign-in failed. Try again.") : null;
  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-100 px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Sign in to Flightdeck</h1>
          <p className="mt-1 text-sm text-slate-600">Operate your LLM agents: decisions, spend, approvals.</p>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
          {error && (
            <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
              {error}
            </p>
          )}
          <LoginForm callbackUrl={callbackUrl} />
          {oidcEnabled(env) && (
            <form action={signInWithOidc} className="mt-4 border-t border-slate-100 pt-4">
              <input type="hidden" name="callbackUrl" value={callbackUrl} />
              <Button type="submit" variant="secondary" className="w-full">
                Continue with {env.OIDC_NAME}
              </Button>
            </form>
          )}
        </div>
      </div>
    </main>
  );
}
