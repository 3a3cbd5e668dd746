"use client";

import { useEffect, useRef, useTransition } from "react";
import type { ActionState } from "@/lib/forms";

/**
 * Submits through a server action without React's automatic form reset, so a
 * refused entry stays in the fields to be corrected; the form is cleared only
 * after a success. Use with `<form ref={ref} action={action} onSubmit={onSubmit}>`
 * (the `action` keeps the form working before hydration).
 */
export function useKeepInputOnError<T>(dispatch: (formData: FormData) => void, state: ActionState<T>) {
  const ref = useRef<HTMLFormElement>(null);
  const [, startTransition] = useTransition();
  useEffect(() => {
    if (state.status === "success") ref.current?.reset();
  }, [state]);
  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formData = new FormData(event.currentTarget);
    startTransition(() => dispatch(formData));
  };
  return { ref, onSubmit };
}
