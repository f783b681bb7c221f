import { useState } from "react";
import { useNavigate } from "react-router";
import type { QueryKey } from "@tanstack/react-query";
import { ApiError, client, ok } from "../../../shared/api/client";
import { refuseFields, useAction } from "../../../shared/components/page";
import { useDraftHold } from "../../../shared/live";
import { uploadedIds, uploadProblem, type Pending } from "../../requests/Write";
import { AGENT_STATUS_LABELS } from "../shared/backoffice";
import { backofficeKeys, useAgentRequest } from "../queries";
import { closeModal, transferModal, type Draft } from "./RequestForms";
import { baseOf, isStale, useDraftBase } from "./conflict";
import { usePresence } from "./presence";

export type Outcome = "" | "awaiting_user" | "answered";

function useDraft(): Draft {
  const [value, set] = useState("");
  return { value, set };
}

/** When someone acted first (409 stale_version): what to tell, and the request to show again as it now is. */
type Versioning = { version: number | undefined; setChanged(message: string | undefined): void; refresh(): Promise<void> };

/**
 * An action on the version read. When a colleague acted first (409), says what changed and shows the request as
 * it now is; otherwise the queries it changed are refreshed by their invalidation.
 */
function useVersioned(v: Versioning, fn: (version: number) => Promise<void>, invalidates: QueryKey[] = [backofficeKeys.all]) {
  return useAction(async () => {
    if (v.version === undefined) return;
    v.setChanged(undefined);
    try {
      await fn(v.version);
    } catch (e) {
      if (e instanceof ApiError && e.code === "stale_version") {
        const d = e.details as { status?: keyof typeof AGENT_STATUS_LABELS } | undefined;
        v.setChanged(
          `Un collègue a modifié cette demande pendant votre lecture${d?.status ? ` (état : ${AGENT_STATUS_LABELS[d.status]})` : ""}. Elle a été rechargée : vérifiez puis recommencez.`,
        );
        await v.refresh();
        return;
      }
      throw e;
    }
  }, invalidates);
}

/**
 * Working a request: the request (a query the live events refresh), what the agent types (reply, note, transfer,
 * closing and extension reasons), and the actions. While anything is typed, a live event does not refresh the
 * request under the agent: « Nouveau message reçu » says something came, and the drafts stay as typed.
 */
export function useRequestWork(id: string, agentId: string) {
  const detail = useAgentRequest(id);
  const r = detail.data;
  const navigate = useNavigate();
  const [changed, setChanged] = useState<string | undefined>();
  const presence = usePresence(id);
  // The reply is tied to the request as it was when the agent started it (the version sent with it), not to the
  // version on screen, which a refresh may have moved under him.
  const drafted = useDraftBase();
  const [bodyValue, setBodyValue] = useState("");
  const body: Draft = {
    value: bodyValue,
    set(value) {
      if (!value.trim()) drafted.setBase(undefined);
      else if (!drafted.base && r) drafted.setBase(baseOf(r));
      setBodyValue(value);
      presence.typed();
    },
  };
  /** The confirmation of the last reply or note sent (announced, and focused). */
  const [sent, setSent] = useState<{ kind: "reply" | "note"; text: string } | undefined>();
  const [files, setFiles] = useState<Pending[]>([]);
  const [outcome, setOutcome] = useState<Outcome>("");
  const note = useDraft();
  const colleague = useDraft();
  const target = useDraft();
  const reason = useDraft();
  const closeReason = useDraft();
  const extensionReason = useDraft();
  const draftNotEmpty =
    body.value.trim() !== "" || files.length > 0 || [note, reason, closeReason, extensionReason].some((d) => d.value.trim() !== "") || target.value !== "";
  const live = useDraftHold(backofficeKeys.request(id), draftNotEmpty);
  const v: Versioning = { version: r?.version, setChanged, refresh: live.show };

  const assign = (agent: string | null) => async (version: number) => {
    await ok(client.POST("/api/v1/backoffice/requests/{id}/assign", { params: { path: { id } }, body: { agentId: agent, version } }));
  };
  const assignMe = useVersioned(v, assign(agentId));
  const assignColleague = useVersioned(v, async (version) => {
    refuseFields({ agentId: !colleague.value && "choisissez le collègue à qui attribuer la demande." });
    await assign(colleague.value)(version);
  });
  const unassign = useVersioned(v, assign(null));
  // Sending the reply with the version it was started on: a colleague's reply, note or assignment, or a company
  // message, since then stops it (409) and the page says what changed: « Envoyer quand même » or « Revoir ».
  const send = async (version: number) => {
    // The buttons are never disabled: what is missing is named under its field (RequestForms, AgentRequest).
    refuseFields({ body: !body.value.trim() && "saisissez votre réponse à l'entreprise.", uploadIds: uploadProblem(files) });
    const uploadIds = uploadedIds(files);
    drafted.setConflict(false);
    setSent(undefined);
    try {
      await ok(
        client.POST("/api/v1/backoffice/requests/{id}/messages", {
          params: { path: { id } },
          body: { body: body.value, uploadIds, version, ...(outcome ? { status: outcome } : {}) },
        }),
      );
    } catch (e) {
      if (!isStale(e)) throw e;
      drafted.setConflict(true);
      await live.show();
      return;
    }
    setBodyValue("");
    drafted.setBase(undefined);
    setFiles([]);
    setOutcome("");
    setSent({ kind: "reply", text: "Votre réponse a été envoyée à l'entreprise." });
  };
  const reply = useAction(() => send(drafted.base?.version ?? r?.version ?? 0), [backofficeKeys.all]);
  const replyAnyway = useAction(() => send(r?.version ?? 0), [backofficeKeys.all]);
  /** « Revoir »: the request as it now is; the draft, kept, now answers it. */
  const review = () => {
    drafted.setConflict(false);
    if (r) drafted.setBase(baseOf(r));
  };
  const close = useVersioned(v, async (version) => {
    const why = closeReason.value.trim();
    const answered = r?.messages.some((m) => m.author.kind === "agent") ?? false;
    refuseFields({ reason: !answered && !why && "dites à l'entreprise pourquoi sa demande est clôturée sans réponse." });
    await ok(client.POST("/api/v1/backoffice/requests/{id}/close", { params: { path: { id } }, body: { version, ...(why ? { reason: why } : {}) } }));
    closeModal.close();
    closeReason.set("");
  });
  // A transferred request leaves this agent's services: back to the queue, saying where it went (the lists that
  // showed it are refreshed; the request itself is no longer readable here).
  const transfer = useVersioned(
    v,
    async (version) => {
      refuseFields({
        serviceCode: !target.value && "choisissez le service à qui transférer la demande.",
        reason: !reason.value.trim() && "saisissez le motif du transfert.",
      });
      await ok(
        client.POST("/api/v1/backoffice/requests/{id}/transfer", {
          params: { path: { id } },
          body: { serviceCode: target.value, reason: reason.value, version },
        }),
      );
      transferModal.close();
      const to = r?.transferTargets.find((s) => s.code === target.value)?.name ?? target.value;
      void navigate("/agent", { state: { notice: `La demande ${r?.reference ?? ""} a été transférée à ${to}. Elle ne figure plus dans votre file.` } });
    },
    [...backofficeKeys.lists],
  );
  // Reopening an answered or closed request: back to the queue (journaled).
  const reopen = useVersioned(v, async (version) => {
    await ok(client.POST("/api/v1/backoffice/requests/{id}/reopen", { params: { path: { id } }, body: { version } }));
    setSent({ kind: "reply", text: "La demande a été rouverte : elle est de nouveau dans la file." });
  });
  const extend = useVersioned(v, async (version) => {
    refuseFields({ reason: !extensionReason.value.trim() && "saisissez le motif de la prolongation." });
    await ok(client.POST("/api/v1/backoffice/requests/{id}/extend", { params: { path: { id } }, body: { reason: extensionReason.value, version } }));
    extensionReason.set("");
  });
  const addNote = useAction(async () => {
    setSent(undefined);
    refuseFields({ body: !note.value.trim() && "saisissez le texte de la note." });
    await ok(client.POST("/api/v1/backoffice/requests/{id}/notes", { params: { path: { id } }, body: { body: note.value } }));
    note.set("");
    setSent({ kind: "note", text: "Votre note a été ajoutée." });
  }, [backofficeKeys.request(id)]);

  return {
    detail,
    live,
    changed,
    sent,
    presence: presence.others,
    conflict: drafted.conflict && drafted.base ? { base: drafted.base, anyway: replyAnyway, review } : undefined,
    drafts: { body, files, setFiles, outcome, setOutcome, note, colleague, target, reason, closeReason, extensionReason },
    actions: { assignMe, assignColleague, unassign, reply, close, transfer, extend, addNote, reopen },
  };
}
