"use client";
/** The Overview's kill switch: choose an active agent, then pause it (with a reason, confirmed). */

import { useId, useState } from "react";
import { inputClass } from "@/components/ui/field";
import { KillSwitch } from "./kill-switch";

export function PauseAnyAgent({ agents }: { agents: string[] }) {
  const [name, setName] = useState(agents[0] ?? "");
  const id = useId();
  if (agents.length === 0) return <p className="text-sm text-slate-600">No active agent to pause.</p>;
  return (
    <div className="flex flex-wrap items-end gap-3">
      <div>
        <label htmlFor={id} className="block text-xs font-medium text-slate-600">
          Agent
        </label>
        <select id={id} value={name} onChange={(e) => setName(e.target.value)} className={inputClass}>
          {agents.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </div>
      <KillSwitch key={name} target="agent" name={name} current="ACTIVE" to="PAUSED" />
    </div>
  );
}
