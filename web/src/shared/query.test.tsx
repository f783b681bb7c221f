// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { deferred, renderWithQueries } from "../test/render";
import { MoreButton, useKeysetList, type KeysetPage } from "./query";

/** A keyset list of 5 companies, 2 per page, as the server answers (api.md): the cursor is the last SIREN seen. */
const ALL = ["100000001", "100000002", "100000003", "100000004", "100000005"];
function page(cursor: string | undefined): KeysetPage<string> {
  const start = cursor ? ALL.indexOf(cursor) + 1 : 0;
  const items = ALL.slice(start, start + 2);
  return { items, nextCursor: start + 2 < ALL.length ? items[items.length - 1] : null };
}

function List({ fetchPage }: { fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<KeysetPage<string>> }) {
  const list = useKeysetList(["companies", "test"], fetchPage);
  return (
    <>
      <ul aria-label="Entreprises">
        {list.items?.map((s) => (
          <li key={s} id={`e-${s}`}>
            {s}
          </li>
        ))}
      </ul>
      <MoreButton list={list} itemId={(s) => `e-${s}`} />
    </>
  );
}

const shown = () => screen.queryAllByRole("listitem").map((li) => li.textContent);

describe("a keyset list", () => {
  it("shows the first page, then each next one on « Afficher plus », and no button after the last", async () => {
    const asked: (string | undefined)[] = [];
    renderWithQueries(
      <List
        fetchPage={(cursor) => {
          asked.push(cursor);
          return Promise.resolve(page(cursor));
        }}
      />,
    );
    await waitFor(() => expect(shown()).toEqual(ALL.slice(0, 2)));
    fireEvent.click(screen.getByRole("button", { name: "Afficher plus" }));
    await waitFor(() => expect(shown()).toEqual(ALL.slice(0, 4)));
    fireEvent.click(screen.getByRole("button", { name: "Afficher plus" }));
    await waitFor(() => expect(shown()).toEqual(ALL));
    expect(screen.queryByRole("button", { name: "Afficher plus" })).toBeNull();
    expect(asked).toEqual([undefined, "100000002", "100000004"]);
  });

  it("is busy while the next page comes, and a second click asks nothing more", async () => {
    const next = deferred<KeysetPage<string>>();
    let calls = 0;
    renderWithQueries(<List fetchPage={(cursor) => (calls++, cursor ? next.promise : Promise.resolve(page(undefined)))} />);
    await waitFor(() => expect(shown()).toHaveLength(2));
    fireEvent.click(screen.getByRole("button", { name: "Afficher plus" }));
    const busy = await screen.findByRole("button", { name: "Chargement…" });
    expect(busy.getAttribute("aria-busy")).toBe("true");
    // Not disabled: a disabled button would lose the focus to <body>; it says it is busy and ignores a click.
    expect(busy.getAttribute("aria-disabled")).toBe("true");
    expect((busy as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(busy);
    act(() => next.resolve(page("100000002")));
    await waitFor(() => expect(shown()).toHaveLength(4));
    expect(calls).toBe(2);
  });

  it("moves the focus to the first item loaded, also when the button goes with the last page", async () => {
    renderWithQueries(<List fetchPage={(cursor) => Promise.resolve(page(cursor))} />);
    await waitFor(() => expect(shown()).toHaveLength(2));
    const button = screen.getByRole("button", { name: "Afficher plus" });
    button.focus();
    fireEvent.click(button);
    await waitFor(() => expect(document.activeElement?.id).toBe("e-100000003"));
    expect(document.activeElement?.getAttribute("tabindex")).toBe("-1");
    fireEvent.click(screen.getByRole("button", { name: "Afficher plus" }));
    await waitFor(() => expect(document.activeElement?.id).toBe("e-100000005"));
    expect(screen.queryByRole("button", { name: "Afficher plus" })).toBeNull();
  });

  it("cancels the request of a page that is left", async () => {
    let signal: AbortSignal | undefined;
    const { unmount } = renderWithQueries(
      <List
        fetchPage={(_cursor, s) => {
          signal = s;
          return new Promise(() => undefined);
        }}
      />,
    );
    await waitFor(() => expect(signal).toBeDefined());
    expect(signal!.aborted).toBe(false);
    unmount();
    await waitFor(() => expect(signal!.aborted).toBe(true));
  });
});
