import type { ReactNode } from "react";

/**
 * A DSFR table that may be wider than the screen (390 px): the table scrolls sideways, so it takes the focus
 * itself (WCAG 2.1.1, axe « scrollable-region-focusable ») — its cells may hold nothing to focus. Its caption
 * names it, read by screen readers; `hideCaption` when a heading above already says it to the eye.
 */
export function ScrollingTable({ caption, hideCaption, children }: { caption: string; hideCaption?: boolean; children: ReactNode }) {
  return (
    <div className={`fr-table${hideCaption ? " fr-table--no-caption" : ""}`}>
      {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrolling region is reached with the keyboard to be scrolled */}
      <table tabIndex={0}>
        <caption>{caption}</caption>
        {children}
      </table>
    </div>
  );
}
