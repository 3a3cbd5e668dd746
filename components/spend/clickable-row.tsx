"use client";
/**
 * A table row that opens `href` when clicked anywhere but on its own links or
 * controls (or while text is being selected). Keyboard users have the link
 * in its first cell; this only widens the mouse target.
 */
import { useRouter } from "next/navigation";
import type { MouseEvent, ReactNode } from "react";

export function ClickableRow({ href, children, className, ...props }: { href: string; children: ReactNode; className?: string; "data-testid"?: string }) {
  const router = useRouter();
  function open(event: MouseEvent<HTMLTableRowElement>) {
    if ((event.target as HTMLElement).closest("a, button, input, select, summary, label")) return;
    if (window.getSelection()?.toString()) return;
    router.push(href);
  }
  return (
    <tr {...props} onClick={open} className={`cursor-pointer hover:bg-slate-50 ${className ?? ""}`}>
      {children}
    </tr>
  );
}
