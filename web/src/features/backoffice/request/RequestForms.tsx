import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { useFormErrors, type useAction } from "../../../shared/components/page";
import { dateTime, type AgentRequest as Detail } from "../shared/backoffice";
import { SentNotice } from "./conflict";

export const transferModal = createModal({ id: "transfert", isOpenedByDefault: false });
export const closeModal = createModal({ id: "cloture", isOpenedByDefault: false });

/** What the agent types in a field: kept by the page while the request refreshes around it. */
export type Draft = { value: string; set(value: string): void };
type Action = ReturnType<typeof useAction>;

/** Internal notes: never visible to the company. */
export function Notes({ r, note, addNote, sent }: { r: Detail; note: Draft; addNote: Action; sent: string | undefined }) {
  const errors = useFormErrors(addNote.error, { body: "Nouvelle note" }, {}, { focus: "field", ids: { body: NOTE_FIELD } });
  return (
    <section aria-labelledby="notes" className="fr-mt-4w">
      <h2 id="notes" className="fr-h5">
        Notes internes
      </h2>
      <p className="fr-text--sm">Les notes ne sont jamais visibles de l'entreprise.</p>
      {r.notes.length === 0 ? (
        <p>Aucune note.</p>
      ) : (
        <ul>
          {r.notes.map((n) => (
            <li key={n.id}>
              <strong>{n.author.name}</strong> — {dateTime(n.createdAt)} :<span style={{ whiteSpace: "pre-wrap" }}> {n.body}</span>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void addNote.run(e)} noValidate>
        <SentNotice text={sent} />
        {errors.summary}
        <Input
          label="Nouvelle note"
          textArea
          {...errors.props("body")}
          nativeTextAreaProps={{ ...errors.native("body"), value: note.value, rows: 2, maxLength: 5_000, onChange: (e) => note.set(e.target.value) }}
        />
        <Button type="submit" priority="secondary" disabled={addNote.busy}>
          Ajouter la note
        </Button>
      </form>
    </section>
  );
}

/** The new note's text area (the « n » shortcut brings the focus to it). */
export const NOTE_FIELD = "nouvelle-note";

/** A claim's legal deadline, extended once by 3 months (the reason stays internal). */
export function Extension({ reason, extend }: { reason: Draft; extend: Action }) {
  const label = "Motif de la prolongation (interne)";
  const errors = useFormErrors(extend.error, { reason: label }, {}, { focus: "field", ids: { reason: "motif-prolongation" } });
  return (
    <section aria-labelledby="prolongation" className="fr-mt-4w">
      <h2 id="prolongation" className="fr-h5">
        Délai légal de décision
      </h2>
      <form onSubmit={(e) => void extend.run(e)} noValidate>
        {errors.summary}
        <Input
          label={label}
          hintText="L'entreprise voit la nouvelle date et un message, jamais le motif. Une seule prolongation de 3 mois."
          {...errors.props("reason")}
          nativeInputProps={{ ...errors.native("reason"), value: reason.value, maxLength: 1_000, onChange: (e) => reason.set(e.target.value) }}
        />
        <Button type="submit" priority="secondary" disabled={extend.busy}>
          Prolonger de 3 mois
        </Button>
      </form>
    </section>
  );
}

/** The request's transfers between services. */
export function Transfers({ r }: { r: Detail }) {
  if (r.transfers.length === 0) return null;
  return (
    <section className="fr-mt-4w">
      <h2 className="fr-h5">Transferts</h2>
      <ul>
        {r.transfers.map((t, i) => (
          <li key={i}>
            {dateTime(t.at)} : {t.from.name} → {t.to.name} par {t.by} — motif : {t.reason}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Closing: the reason is read by the company, and required when nobody answered. */
export function CloseDialog({ r, reason, close }: { r: Detail; reason: Draft; close: Action }) {
  const answered = r.messages.some((m) => m.author.kind === "agent");
  const label = answered ? "Motif de la clôture (facultatif, lu par l'entreprise)" : "Motif de la clôture (lu par l'entreprise)";
  const errors = useFormErrors(close.error, { reason: label }, {}, { focus: "field", ids: { reason: "motif-cloture" } });
  return (
    <closeModal.Component title={`Clôturer la demande ${r.reference} ?`}>
      <form onSubmit={(e) => void close.run(e)} noValidate>
        <p>L'entreprise ne pourra plus y répondre ; elle devra déposer une nouvelle demande en citant sa référence.</p>
        {errors.summary}
        <Input
          label={label}
          hintText={answered ? undefined : "Cette demande n'a reçu aucune réponse : dites à l'entreprise pourquoi elle est clôturée."}
          textArea
          {...errors.props("reason")}
          nativeTextAreaProps={{
            ...errors.native("reason"),
            value: reason.value,
            rows: 3,
            maxLength: 1_000,
            onChange: (e) => reason.set(e.target.value),
            required: !answered,
          }}
        />
        <Button type="submit" disabled={close.busy}>
          Clôturer
        </Button>{" "}
        <Button type="button" priority="secondary" onClick={() => closeModal.close()}>
          Annuler
        </Button>
      </form>
    </closeModal.Component>
  );
}

/** Transferring to another service, with an internal reason. */
export function TransferDialog({ r, target, reason, transfer }: { r: Detail; target: Draft; reason: Draft; transfer: Action }) {
  const labels = { serviceCode: "Service destinataire", reason: "Motif (interne, non visible de l'entreprise)" };
  const errors = useFormErrors(transfer.error, labels, {}, { ids: { serviceCode: "transfert-service", reason: "transfert-motif" } });
  return (
    <transferModal.Component title="Transférer la demande">
      <form onSubmit={(e) => void transfer.run(e)} noValidate>
        {errors.summary}
        <Select
          label={labels.serviceCode}
          {...errors.props("serviceCode")}
          nativeSelectProps={{ ...errors.native("serviceCode"), value: target.value, onChange: (e) => target.set(e.target.value), required: true }}
        >
          <option value="">Choisir…</option>
          {r.transferTargets.map((s) => (
            <option key={s.code} value={s.code}>
              {s.name} ({s.code})
            </option>
          ))}
        </Select>
        <Input
          label={labels.reason}
          textArea
          {...errors.props("reason")}
          nativeTextAreaProps={{
            ...errors.native("reason"),
            value: reason.value,
            rows: 3,
            maxLength: 1_000,
            onChange: (e) => reason.set(e.target.value),
            required: true,
          }}
        />
        <Button type="submit" disabled={transfer.busy}>
          Transférer
        </Button>
      </form>
    </transferModal.Component>
  );
}
