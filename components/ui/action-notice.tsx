"use client";
/**
 * A polite live region that shows the last success message a form announced
 * (`announce(message)`), for forms that disappear once they succeed: a resumed
 * agent leaves the list of stopped agents, a paused team's pause button goes.
 */

import { useEffect, useState } from "react";

const EVENT = "flightdeck:notice";

export function announce(message: string): void {
  window.dispatchEvent(new CustomEvent<string>(EVENT, { detail: message }));
}

export function ActionNotice({ className = "" }: { className?: string }) {
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    const on = (event: Event) => setMessage((event as CustomEvent<string>).detail);
    window.addEventListener(EVENT, on);
    return () => window.removeEventListener(EVENT, on);
  }, []);
  return (
    <div aria-live="polite" className={className} data-testid="action-notice">
      {message && (
        <p role="status" className="text-sm text-emerald-700">
          {message}
        </p>
      )}
    </div>
  );
}
