import Link from "next/link";

/** The 404 content, inside the console shell or on its own (`as="main"`). */
export function NotFoundMessage({ as: Element = "div", className }: { as?: "div" | "main"; className: string }) {
  return (
    <Element className={className}>
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">Nothing here</h1>
      <p className="mt-2 text-sm text-slate-600">The page does not exist, or what it showed was removed.</p>
      <Link href="/" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">
        Back to the overview
      </Link>
    </Element>
  );
}
