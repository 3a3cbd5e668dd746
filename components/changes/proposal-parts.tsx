/** Pieces both change-proposing forms share: the version picker, the reason field and the link to the change made. */
import Link from "next/link";
import { Field, inputClass } from "@/components/ui/field";

export function VersionSelect({ label, name, versions, errors, placeholder, hint }: { label: string; name: string; versions: number[]; errors?: string[]; placeholder?: string; hint?: string }) {
  return (
    <Field label={label} name={name} errors={errors} hint={hint}>
      {(p) => (
        <select {...p} required defaultValue={placeholder ? "" : String(versions[0])} className={inputClass}>
          {placeholder && (
            <option value="" disabled>
              {placeholder}
            </option>
          )}
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function ReasonField({ errors, hint }: { errors?: string[]; hint: string }) {
  return (
    <Field label="Reason" name="reason" errors={errors} hint={hint} className="md:col-span-2">
      {(p) => <textarea {...p} required rows={2} maxLength={1000} className={inputClass} />}
    </Field>
  );
}

/** After a proposal: the change it made (waiting or applied). */
export function OpenChangeLink({ state }: { state: { status: string; data?: { changeId: string } } }) {
  if (state.status !== "success" || !state.data) return null;
  return (
    <p className="text-sm md:col-span-2">
      <Link href={`/changes/${state.data.changeId}`} className="font-medium text-brand-700 hover:underline">
        Open the change
      </Link>
    </p>
  );
}
