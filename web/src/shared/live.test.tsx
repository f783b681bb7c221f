// @vitest-environment happy-dom
import { useQuery } from "@tanstack/react-query";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { renderWithQueries } from "../test/render";
import { NewMessageNotice } from "./components/NewMessageNotice";
import { applyLiveEvent, useDraftHold } from "./live";

const PREFIXES = [["requests"], ["companies"]];

/** The server's side of the thread: its messages, and how many times the page read them. */
class Server {
  reads = 0;
  constructor(readonly messages: string[]) {}
  read() {
    this.reads++;
    return [...this.messages];
  }
}

/** A request's page in small: its thread (a query) and a reply being written, as RequestPage holds them. */
function Thread({ id, server }: { id: string; server: Server }) {
  const [draft, setDraft] = useState("");
  const thread = useQuery({
    queryKey: ["requests", "detail", id],
    queryFn: () => Promise.resolve(server.read()),
  });
  const live = useDraftHold(["requests", "detail", id], draft.trim() !== "");
  return (
    <>
      <NewMessageNotice live={live} />
      <ol aria-label="Échanges">
        {thread.data?.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ol>
      <label htmlFor="reponse">Votre réponse</label>
      <textarea id="reponse" value={draft} onChange={(e) => setDraft(e.target.value)} />
    </>
  );
}

const messages = () => screen.getAllByRole("listitem").map((li) => li.textContent);
const reply = () => screen.getByLabelText<HTMLTextAreaElement>("Votre réponse");

describe("the live updates and a draft", () => {
  it("refresh a thread nobody is writing in at once", async () => {
    const server = new Server(["Bonjour"]);
    const { queryClient } = renderWithQueries(<Thread id="r1" server={server} />);
    await waitFor(() => expect(messages()).toEqual(["Bonjour"]));
    server.messages.push("Réponse de l'agent");
    await act(() => applyLiveEvent(queryClient, PREFIXES, { id: "r1" }));
    await waitFor(() => expect(messages()).toEqual(["Bonjour", "Réponse de l'agent"]));
    expect(screen.queryByText(/Nouveau message reçu/)).toBeNull();
  });

  it("hold the thread while a reply is being written: « Nouveau message reçu », the draft kept, shown when the person asks", async () => {
    const server = new Server(["Bonjour"]);
    const { queryClient } = renderWithQueries(<Thread id="r1" server={server} />);
    await waitFor(() => expect(messages()).toEqual(["Bonjour"]));
    fireEvent.change(reply(), { target: { value: "Voici le justificatif demandé" } });
    const readsBefore = server.reads;
    server.messages.push("Réponse d'un collègue");
    await act(() => applyLiveEvent(queryClient, PREFIXES, { id: "r1" }));
    expect(await screen.findByText(/Nouveau message reçu/)).toBeTruthy();
    // Nothing moved under the person's eyes: the thread she answers and her draft stay as they were.
    expect(server.reads).toBe(readsBefore);
    expect(messages()).toEqual(["Bonjour"]);
    expect(reply().value).toBe("Voici le justificatif demandé");
    fireEvent.click(screen.getByRole("button", { name: "Afficher le nouveau message" }));
    await waitFor(() => expect(messages()).toEqual(["Bonjour", "Réponse d'un collègue"]));
    expect(screen.queryByText(/Nouveau message reçu/)).toBeNull();
    expect(reply().value).toBe("Voici le justificatif demandé");
  });

  it("an event about another request neither refreshes nor announces anything on this one", async () => {
    const server = new Server(["Bonjour"]);
    const { queryClient } = renderWithQueries(<Thread id="r1" server={server} />);
    await waitFor(() => expect(messages()).toEqual(["Bonjour"]));
    fireEvent.change(reply(), { target: { value: "Brouillon" } });
    const readsBefore = server.reads;
    await act(() => applyLiveEvent(queryClient, PREFIXES, { id: "r2" }));
    expect(server.reads).toBe(readsBefore);
    expect(screen.queryByText(/Nouveau message reçu/)).toBeNull();
  });

  it("an event about another request does not read this one again (each reading is recorded for the company)", async () => {
    const server = new Server(["Bonjour"]);
    const { queryClient } = renderWithQueries(<Thread id="r1" server={server} />);
    await waitFor(() => expect(messages()).toEqual(["Bonjour"]));
    const readsBefore = server.reads;
    await act(() => applyLiveEvent(queryClient, PREFIXES, { id: "r2" }));
    expect(server.reads).toBe(readsBefore);
    await act(() => applyLiveEvent(queryClient, PREFIXES, { id: "r1" }));
    expect(server.reads).toBe(readsBefore + 1);
  });

  it("once the draft is emptied, what arrived meanwhile is shown without asking", async () => {
    const server = new Server(["Bonjour"]);
    const { queryClient } = renderWithQueries(<Thread id="r1" server={server} />);
    await waitFor(() => expect(messages()).toEqual(["Bonjour"]));
    fireEvent.change(reply(), { target: { value: "Brouillon" } });
    server.messages.push("Relance");
    await act(() => applyLiveEvent(queryClient, PREFIXES, { id: "r1" }));
    expect(await screen.findByText(/Nouveau message reçu/)).toBeTruthy();
    fireEvent.change(reply(), { target: { value: "" } });
    await waitFor(() => expect(messages()).toEqual(["Bonjour", "Relance"]));
    expect(screen.queryByText(/Nouveau message reçu/)).toBeNull();
  });
});
