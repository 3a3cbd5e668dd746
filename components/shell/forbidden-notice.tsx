import Link from "next/link";

/** The 403 page: inside the console (with its navigation) and at the root. */
export function ForbiddenNotice() {
  return (
    <div className="mx-auto mt-16 max-w-md text-center" role="alert">
      <p className="text-sm font-semibold text-red-600">403</p>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">You don’t have access to this page</h1>
      <p className="mt-2 text-sm text-slate-600">Your role does not include it. An admin can change your role in Settings.</p>
      <Link href="/" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">
        Back to the overview
      </Link>
    </div>
  );
}
