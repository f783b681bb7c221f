import { useEffect, useLayoutEffect, useRef } from "react";
import { useLocation } from "react-router";

/**
 * Keeps a page's scroll position per history entry (session storage), and puts it back when the person comes back
 * to that entry (the back button) once `ready` — the page's list is on screen again, from the query cache. The
 * router in use (BrowserRouter) restores no scroll itself, and the browser's own restoration happens before a
 * lazily loaded list is there.
 */
export function useScrollMemory(ready: boolean) {
  const { key } = useLocation();
  const storageKey = `scroll:${key}`;
  const restored = useRef<string | undefined>(undefined);
  useEffect(() => {
    let frame = 0;
    // Saved as the person scrolls, never at unmount, and only while this entry is still the current one: the page
    // opened next moves the window (to its heading) before this one is gone, and that place is not this entry's.
    const save = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (currentEntryKey() === key) sessionStorage.setItem(storageKey, String(Math.round(window.scrollY)));
      });
    };
    window.addEventListener("scroll", save, { passive: true });
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener("scroll", save);
    };
  }, [key, storageKey]);
  useLayoutEffect(() => {
    if (!ready || restored.current === storageKey) return;
    restored.current = storageKey;
    const y = Number(sessionStorage.getItem(storageKey) ?? 0);
    if (y > 0) window.scrollTo(0, y);
  }, [ready, storageKey]);
}

/** The key of the history entry the browser is on now, as the router gives it (« default » for the first one). */
function currentEntryKey(): string {
  const state: unknown = window.history.state;
  const key = state && typeof state === "object" && "key" in state ? state.key : undefined;
  return typeof key === "string" && key ? key : "default";
}
