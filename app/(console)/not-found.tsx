// A page or record that does not exist, inside the console shell (answered with status 404).
import Link from "next/link";

export default function ConsoleNotFound() {
  return (
    <div className="mx-auto mt-16 max-w-md text-center">
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">Nothing here</h1>
      <p className="mt-2 text-sm text-slate-600">The page does not exist, or what it showed was removed.</p>
      <Link href="/" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">
        Back to the overview
      </Link>
    </div>
  );
}
