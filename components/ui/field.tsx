import { useId } from "react";
import { cn } from "./cn";

export const inputClass =
  "block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-brand-500 aria-[invalid=true]:ring-red-400";

/**
 * A labelled control with its error text linked by aria-describedby. Ids come
 * from `useId()`, not from the field's name: two forms on one page (Settings
 * has several) may both have a `name` field.
 */
export function Field({
  label,
  name,
  errors,
  hint,
  children,
  className,
}: {
  label: string;
  name: string;
  errors?: string[];
  hint?: string;
  children: (props: { id: string; name: string; "aria-invalid": boolean; "aria-describedby"?: string }) => React.ReactNode;
  className?: string;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [errors?.length ? errorId : null, hint ? hintId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={cn("space-y-1", className)}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children({ id, name, "aria-invalid": Boolean(errors?.length), "aria-describedby": describedBy })}
      {hint && (
        <p id={hintId} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
      {errors?.length ? (
        <p id={errorId} className="text-xs text-red-600">
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

export function FormMessage({ state }: { state: { status: string; message?: string } }) {
  return (
    <div aria-live="polite" className="min-h-5 text-sm">
      {state.message && (
        <p className={state.status === "success" ? "text-emerald-700" : "text-red-600"} role={state.status === "success" ? "status" : "alert"}>
          {state.message}
        </p>
      )}
    </div>
  );
}

/** A form's submit button with its result beside it. */
export function SubmitRow({
  label,
  pendingLabel,
  pending,
  state,
  className,
}: {
  label: string;
  pendingLabel: string;
  pending: boolean;
  state: { status: string; message?: string };
  className?: string;
}) {
  return (
    <div className={cn("flex items-center gap-3", className)}>
      <button
        type="submit"
        disabled={pending}
        className="inline-flex items-center justify-center rounded-md bg-brand-600 px-3.5 py-2 text-sm font-medium text-white transition-colors hover:bg-brand-700 disabled:cursor-not-allowed disabled:bg-brand-600/50"
      >
        {pending ? pendingLabel : label}
      </button>
      <FormMessage state={state} />
    </div>
  );
}
