import { useLayoutEffect } from "react";

/** The site's name in every tab title; the back office says it is the agents' side. */
export const SITE_TITLE = "Messagerie Pro";
export const AGENT_SITE_TITLE = "Messagerie Pro (agents)";

/**
 * The one way a page names its browser tab (and what a screen reader announces on arrival): « page — site ».
 * Set before the browser paints, so that whoever sees the page sees the title that goes with it.
 */
export function useDocumentTitle(page: string, site: string = SITE_TITLE) {
  useLayoutEffect(() => {
    document.title = `${page} — ${site}`;
  }, [page, site]);
}
