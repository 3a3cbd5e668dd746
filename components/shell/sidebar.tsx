import Link from "next/link";
import { navFor, ROLE_LABELS } from "@/lib/rbac";
import type { SessionUser } from "@/lib/session";
import { NavLinks } from "./nav-links";
import { signOutAction } from "./sign-out";

export function Sidebar({ user }: { user: SessionUser }) {
  const items = navFor(user.role).map(({ href, label }) => ({ href, label }));
  return (
    <aside className="flex w-56 shrink-0 flex-col bg-ink px-3 py-4 text-white">
      <div className="mb-6 flex items-center gap-2 px-3">
        <svg aria-hidden viewBox="0 0 32 32" className="h-7 w-7">
          <rect width="32" height="32" rx="7" fill="#2a55e0" />
          <path d="M7 21l9-11 9 11" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" strokeLinejoin="round" />
          <circle cx="16" cy="23" r="2.2" fill="#fff" />
        </svg>
        <span className="text-lg font-semibold tracking-tight">Flightdeck</span>
      </div>
      <NavLinks items={items} />
      <div className="mt-auto border-t border-white/10 px-3 pt-4" data-testid="current-user">
        <p className="truncate text-sm font-medium" title={user.email}>
          {user.name ?? user.email}
        </p>
        <p className="truncate text-xs text-slate-400">{user.email}</p>
        <p className="mt-1 inline-block rounded bg-white/10 px-1.5 py-0.5 text-xs text-slate-200" data-testid="current-role">
          {ROLE_LABELS[user.role]}
        </p>
        <p className="mt-3">
          <Link href="/profile" className="text-sm text-slate-300 underline-offset-2 hover:text-white hover:underline">
            Profile and password
          </Link>
        </p>
        <form action={signOutAction} className="mt-1">
          <button type="submit" className="text-sm text-slate-300 underline-offset-2 hover:text-white hover:underline">
            Sign out
          </button>
        </form>
      </div>
    </aside>
  );
}
