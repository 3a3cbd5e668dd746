"use client";

import { useId, useRef } from "react";
import { Button } from "./button";

/**
 * Guards a destructive form submit behind a native <dialog> (focus trapped,
 * Escape cancels). The trigger opens it; "Confirm" submits the enclosing form.
 */
export function ConfirmDialog({
  trigger,
  title,
  body,
  confirmLabel,
  pending,
}: {
  trigger: string;
  title: string;
  body: React.ReactNode;
  confirmLabel: string;
  pending?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // One dialog per row: each needs its own title id, or all are named after the first.
  const titleId = useId();
  return (
    <>
      <Button variant="secondary" size="sm" onClick={() => ref.current?.showModal()} disabled={pending}>
        {pending ? "Working…" : trigger}
      </Button>
      <dialog
        ref={ref}
        className="m-auto w-full max-w-md rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40"
        aria-labelledby={titleId}
      >
        <div className="p-5">
          <h2 id={titleId} className="text-base font-semibold text-slate-900">
            {title}
          </h2>
          <div className="mt-2 text-sm text-slate-600">{body}</div>
        </div>
        <div className="flex justify-end gap-2 border-t border-slate-100 bg-slate-50 px-5 py-3">
          <Button variant="secondary" onClick={() => ref.current?.close()}>
            Cancel
          </Button>
          <Button variant="danger" type="submit" onClick={() => ref.current?.close()}>
            {confirmLabel}
          </Button>
        </div>
      </dialog>
    </>
  );
}
