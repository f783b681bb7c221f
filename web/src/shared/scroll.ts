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
    // Saved as the person scrolls, never at unmount: by then the next page may already have moved the window.
    const save = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => sessionStorage.setItem(storageKey, String(Math.round(window.scrollY))));
    };
    window.addEventListener("scroll", save, { passive: true });
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener("scroll", save);
    };
  }, [storageKey]);
  useLayoutEffect(() => {
    if (!ready || restored.current === storageKey) return;
    restored.current = storageKey;
    const y = Number(sessionStorage.getItem(storageKey) ?? 0);
    if (y > 0) window.scrollTo(0, y);
  }, [ready, storageKey]);
}
