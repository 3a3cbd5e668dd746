import Link from "next/link";
import type { SessionUser } from "@/lib/session";

/**
 * On every console page while the signed-in user's password is a published
 * demo one: a named region (not an alert, which would be announced again on
 * every page) with the way out.
 */
export function PasswordBanner({ user }: { user: Pick<SessionUser, "demoPassword"> }) {
  if (!user.demoPassword) return null;
  return (
    <section aria-label="Password warning" className="mb-6 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
      <p>
        <strong className="font-semibold">You are signed in with a demo password.</strong> Anyone who has read the README can sign in as you.{" "}
        <Link href="/profile" className="font-medium text-amber-900 underline underline-offset-2 hover:text-amber-950">
          Change your password
        </Link>
      </p>
    </section>
  );
}
