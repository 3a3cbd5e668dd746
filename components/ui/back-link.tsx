import Link from "next/link";

/** The "← Runs" link above a detail page, back to its list. */
export function BackLink({ href, label }: { href: string; label: string }) {
  return (
    <nav className="mb-2 text-sm" aria-label="Breadcrumb">
      <Link href={href} className="text-brand-700 hover:underline">
        ← {label}
      </Link>
    </nav>
  );
}
