import type { ReactNode } from "react";
import { cn } from "./cn";

/** One label and its value in a `<dl>` of facts (an agent's health, a budget's use). */
export function Fact({ label, children, className }: { label: string; children: ReactNode; className?: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className={cn("font-medium", className)}>{children}</dd>
    </div>
  );
}
