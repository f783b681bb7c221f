// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { deferred, renderWithQueries } from "../../test/render";
import { CompanyCombobox } from "./CompanyCombobox";

type Found = { siren: string; name: string };
const MARTIN = { siren: "552100554", name: "MARTIN DISTRIBUTION" };
const MARTEAU = { siren: "732829320", name: "MARTEAUX ET FILS" };
const LAMBDA = { siren: "489000003", name: "LAMBDA CONSEIL" };

/** The field as a page uses it: the chosen SIREN in the page's state. */
function Field(props: {
  search: (q: string, signal: AbortSignal) => Promise<{ items: Found[]; total: number; more?: boolean }>;
  initial?: string;
  onChange?: (c: Found | null) => void;
}) {
  const [siren, setSiren] = useState(props.initial ?? "");
  return (
    <>
      <CompanyCombobox<Found>
        label="Entreprise"
        scope="test"
        value={siren}
        search={props.search}
        lookup={(s) => Promise.resolve([MARTIN, MARTEAU, LAMBDA].find((c) => c.siren === s)!)}
        onChange={(c) => {
          setSiren(c?.siren ?? "");
          props.onChange?.(c);
        }}
      />
      <output data-testid="chosen">{siren}</output>
    </>
  );
}

const input = () => screen.getByRole("combobox", { name: /Entreprise/ });
const options = () => screen.queryAllByRole("option").map((o) => o.textContent ?? "");

describe("the company combobox", () => {
  it("searches as the person types and chooses with the keyboard (arrows, Enter)", async () => {
    const search = vi.fn((q: string) => Promise.resolve({ items: [MARTIN, MARTEAU, LAMBDA].filter((c) => c.name.includes(q.toUpperCase())), total: 3 }));
    const onChange = vi.fn();
    renderWithQueries(<Field search={search} onChange={onChange} />);
    fireEvent.focus(input());
    fireEvent.change(input(), { target: { value: "mart" } });
    await waitFor(() => expect(options()).toHaveLength(2));
    expect(search).toHaveBeenLastCalledWith("mart", expect.any(AbortSignal));
    expect(input().getAttribute("aria-expanded")).toBe("true");
    fireEvent.keyDown(input(), { key: "ArrowDown" });
    expect(input().getAttribute("aria-activedescendant")).toMatch(/option-1$/);
    fireEvent.keyDown(input(), { key: "Enter" });
    expect(onChange).toHaveBeenLastCalledWith(MARTEAU);
    expect(screen.getByTestId("chosen").textContent).toBe(MARTEAU.siren);
    expect((input() as HTMLInputElement).value).toBe("MARTEAUX ET FILS (732829320)");
    expect(input().getAttribute("aria-expanded")).toBe("false");
    // Escape on a closed field clears the choice.
    fireEvent.keyDown(input(), { key: "Escape" });
    expect(screen.getByTestId("chosen").textContent).toBe("");
    expect((input() as HTMLInputElement).value).toBe("");
  });

  it("never shows an older answer over a newer one", async () => {
    const answers = new Map<string, ReturnType<typeof deferred<{ items: Found[]; total: number }>>>();
    const search = (q: string) => {
      const d = deferred<{ items: Found[]; total: number }>();
      answers.set(q, d);
      return d.promise;
    };
    renderWithQueries(<Field search={search} />);
    fireEvent.focus(input());
    fireEvent.change(input(), { target: { value: "mar" } });
    await waitFor(() => expect(answers.has("mar")).toBe(true));
    fireEvent.change(input(), { target: { value: "lambda" } });
    await waitFor(() => expect(answers.has("lambda")).toBe(true));
    // The newer answer comes first, the older one last: the list keeps the newer.
    act(() => answers.get("lambda")!.resolve({ items: [LAMBDA], total: 1 }));
    act(() => answers.get("mar")!.resolve({ items: [MARTIN, MARTEAU], total: 2 }));
    await waitFor(() => expect(options()).toEqual([expect.stringContaining("LAMBDA CONSEIL")]));
    expect(screen.getByText("1 entreprise.")).toBeTruthy();
  });

  it("never lets the person choose in the list of an earlier text", async () => {
    const answers = new Map<string, ReturnType<typeof deferred<{ items: Found[]; total: number }>>>();
    const search = (q: string) => {
      const d = deferred<{ items: Found[]; total: number }>();
      answers.set(q, d);
      return d.promise;
    };
    const onChange = vi.fn();
    renderWithQueries(<Field search={search} onChange={onChange} />);
    fireEvent.focus(input());
    await waitFor(() => expect(answers.has("")).toBe(true));
    act(() => answers.get("")!.resolve({ items: [MARTIN, MARTEAU, LAMBDA], total: 3 }));
    await waitFor(() => expect(options()).toHaveLength(3));
    fireEvent.change(input(), { target: { value: "lambda" } });
    // The unfiltered list is gone at once; Enter chooses nothing until the answer for « lambda » arrives.
    expect(options()).toHaveLength(0);
    expect(screen.getByText("Recherche…")).toBeTruthy();
    fireEvent.keyDown(input(), { key: "ArrowDown" });
    fireEvent.keyDown(input(), { key: "Enter" });
    expect(onChange).not.toHaveBeenCalledWith(expect.objectContaining({ siren: MARTIN.siren }));
    await waitFor(() => expect(answers.has("lambda")).toBe(true));
    act(() => answers.get("lambda")!.resolve({ items: [LAMBDA], total: 1 }));
    await waitFor(() => expect(options()).toHaveLength(1));
    fireEvent.keyDown(input(), { key: "Enter" });
    expect(onChange).toHaveBeenLastCalledWith(LAMBDA);
  });

  it("says when more companies match than it shows, and shows the name of a SIREN given from outside", async () => {
    const search = () => Promise.resolve({ items: [MARTIN], total: 1_250 });
    renderWithQueries(<Field search={search} initial={LAMBDA.siren} />);
    await waitFor(() => expect((input() as HTMLInputElement).value).toBe("LAMBDA CONSEIL (489000003)"));
    fireEvent.focus(input());
    fireEvent.change(input(), { target: { value: "m" } });
    await waitFor(() => expect(screen.getByText("1 premières entreprises sur 1250 : précisez votre saisie.")).toBeTruthy());
    // Typing again forgets the earlier choice.
    expect(screen.getByTestId("chosen").textContent).toBe("");
  });

  it("from a search that pages without counting, says that others follow instead of a made-up total", async () => {
    const search = () => Promise.resolve({ items: [MARTIN, MARTEAU], total: 2, more: true });
    renderWithQueries(<Field search={search} />);
    fireEvent.focus(input());
    fireEvent.change(input(), { target: { value: "mar" } });
    await waitFor(() => expect(screen.getByText("Les 2 premières entreprises : précisez votre saisie pour trouver les autres.")).toBeTruthy());
    expect(options()).toHaveLength(2);
  });
});
