import { useEffect } from "react";

/** Whether a key press belongs to a field being typed in (a shortcut never steals it). */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

/**
 * Single-key shortcuts, as helpdesks have them (the queue: j, k, ?; a request: r, n, ?). Ignored while typing in a
 * field, with a modifier, or when a dialog is open.
 */
export function useShortcuts(handlers: Record<string, () => void>) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (document.querySelector("dialog[open], .fr-modal--opened")) return;
      const handler = handlers[e.key];
      if (!handler) return;
      handler();
      e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [handlers]);
}
