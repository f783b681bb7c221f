import { useParams } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { frenchDeadline, natureLabel } from "../../../shared/api/types";
import { ErrorAlert, Thread } from "../../../shared/components/page";
import { NewMessageNotice } from "../../../shared/components/NewMessageNotice";
import { Attachments } from "../../requests/Write";
import { AgentPage, dateTime, Deadline, StatusBadge } from "../shared/backoffice";
import { CompanyContext } from "./CompanyContext";
import { closeModal, CloseDialog, Extension, Notes, TransferDialog, transferModal, Transfers } from "./RequestForms";
import { useRequestWork } from "./work";
import { useAgentRequest } from "../queries";
import { useSession } from "../../../shared/session";
import { ConflictPanel, SentNotice } from "./conflict";
import { PresenceNotice } from "./presence";
import { Consultations, Timeline } from "./History";
import { TemplatePicker } from "./TemplatePicker";
import { RequestShortcuts } from "./RequestShortcuts";
import { PaperReplyForm } from "./PaperReplyForm";

/** Working a request (product §9): thread, reply with templates, notes, assignment, transfer, close. */
export function AgentRequest() {
  const { id = "" } = useParams();
  const { data } = useAgentRequest(id, Boolean(useSession().agent));
  return (
    <AgentPage title="Demande" documentTitle={data ? `Demande ${data.reference} — ${data.subject}` : "Demande"}>
      {(agent) => <Work id={id} agentId={agent.id} />}
    </AgentPage>
  );
}

function Work({ id, agentId }: { id: string; agentId: string }) {
  const { detail, live, changed, sent, presence, conflict, drafts, actions } = useRequestWork(id, agentId);
  const { body, files, setFiles, outcome, setOutcome, note, colleague, target, reason, closeReason, extensionReason } = drafts;
  const { assignMe, assignColleague, unassign, reply, close, transfer, extend, addNote, reopen } = actions;
  const r = detail.data;
  if (!r) return detail.error ? <ErrorAlert error={detail.error} /> : <p>Chargement…</p>;
  const nature = natureLabel(r.nature);
  const open = r.status !== "closed";
  return (
    <>
      <h2>
        {r.reference} — {r.subject}
      </h2>
      <p>
        <StatusBadge status={r.status} /> {r.companyName} (SIREN {r.siren}) — {r.tax} — {nature}. Reçue le {dateTime(r.receivedAt)} par {r.service.name}.
      </p>
      <p>
        Échéance : <Deadline at={r.deadlineAt} overdue={r.overdue} />
        {r.deadlines.legal ? ` — délai légal : ${new Date(r.deadlines.legal).toLocaleDateString("fr-FR", { timeZone: "Europe/Paris" })}` : ""}
      </p>
      <RequestShortcuts />
      <p>
        <a className="fr-link fr-icon-printer-line fr-link--icon-left" href={`/api/v1/backoffice/requests/${r.id}/transcript.pdf`} download>
          Imprimer la transcription (PDF)
        </a>
      </p>
      {r.origin === "administration" && r.correspondence && (
        <div className="fr-callout fr-icon-mail-line fr-mb-3w">
          <h3 className="fr-callout__title">Message de l'administration</h3>
          <p className="fr-callout__text">
            Publié le {dateTime(r.receivedAt)}.{" "}
            {r.companySide.firstRead
              ? `Ouvert par l'entreprise le ${dateTime(r.companySide.firstRead.at)} (${r.companySide.firstRead.by}).`
              : "Pas encore ouvert par l'entreprise."}
          </p>
          {r.correspondence.acknowledgementRequired && (
            <p className="fr-callout__text">
              {r.companySide.acknowledgement
                ? `Accusé de réception : le ${dateTime(r.companySide.acknowledgement.at)}, par ${r.companySide.acknowledgement.by}.`
                : "Accusé de réception demandé : pas encore donné."}
            </p>
          )}
          {r.correspondence.replyDueAt && (
            <p className="fr-callout__text">Réponse attendue au plus tard le {frenchDeadline(r.correspondence.replyDueAt, true)}.</p>
          )}
          {!r.correspondence.repliesAllowed && <p className="fr-callout__text">Les réponses de l'entreprise ne sont pas autorisées.</p>}
        </div>
      )}
      {changed && (
        <div role="alert" className="fr-mb-2w">
          <Alert severity="warning" small description={changed} />
        </div>
      )}
      <ErrorAlert error={assignMe.error ?? assignColleague.error ?? unassign.error} />

      <div className="fr-grid-row fr-grid-row--gutters">
        <div className="fr-col-12 fr-col-lg-8">
          <section aria-labelledby="attribution">
            <h3 id="attribution" className="fr-h5">
              Attribution
            </h3>
            <p>Attribuée à : {r.assignee ? r.assignee.name : "personne"}</p>
            {open && (
              <div className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom">
                <div className="fr-col-auto">
                  {r.assignee?.id !== agentId && (
                    <Button onClick={() => void assignMe.run()} disabled={assignMe.busy}>
                      Me l'attribuer
                    </Button>
                  )}
                </div>
                <div className="fr-col-12 fr-col-md-5">
                  <Select label="Attribuer à un collègue" nativeSelectProps={{ value: colleague.value, onChange: (e) => colleague.set(e.target.value) }}>
                    <option value="">Choisir…</option>
                    {r.colleagues.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name}
                      </option>
                    ))}
                  </Select>
                </div>
                <div className="fr-col-auto">
                  <Button priority="secondary" disabled={!colleague.value || assignColleague.busy} onClick={() => void assignColleague.run()}>
                    Attribuer
                  </Button>{" "}
                  {r.assignee && (
                    <Button priority="tertiary" onClick={() => void unassign.run()}>
                      Retirer l'attribution
                    </Button>
                  )}
                </div>
              </div>
            )}
          </section>

          <h3 className="fr-h5 fr-mt-3w">Échanges</h3>
          <PresenceNotice others={presence} />
          <NewMessageNotice live={live} />
          <Thread messages={r.messages} side="agent" />

          {open ? (
            <form onSubmit={(e) => void reply.run(e)} noValidate>
              <h3 className="fr-h5">Répondre</h3>
              <SentNotice text={sent?.kind === "reply" ? sent.text : undefined} />
              {conflict && (
                <ConflictPanel base={conflict.base} r={r} anyway={() => void conflict.anyway.run()} review={conflict.review} busy={conflict.anyway.busy} />
              )}
              <ErrorAlert error={reply.error ?? conflict?.anyway.error} />
              <TemplatePicker templates={r.templates} body={body} />
              <Attachments value={files} onChange={setFiles} agent />
              <RadioButtons
                legend="Suite donnée"
                name="issue"
                options={[
                  { label: "Répondre sans changer l'état", nativeInputProps: { checked: outcome === "", onChange: () => setOutcome("") } },
                  {
                    label: "Demander un complément (en attente de l'usager)",
                    nativeInputProps: { checked: outcome === "awaiting_user", onChange: () => setOutcome("awaiting_user") },
                  },
                  { label: "Donner la réponse (traitée)", nativeInputProps: { checked: outcome === "answered", onChange: () => setOutcome("answered") } },
                ]}
              />
              <Button type="submit" disabled={reply.busy || !body.value.trim() || files.some((f) => !f.done && !f.error)}>
                Envoyer
              </Button>{" "}
              <Button type="button" priority="secondary" nativeButtonProps={transferModal.buttonProps}>
                Transférer…
              </Button>{" "}
              <Button type="button" priority="tertiary" nativeButtonProps={closeModal.buttonProps}>
                Clôturer la demande…
              </Button>
            </form>
          ) : (
            <>
              <SentNotice text={sent?.text} />
              <Alert severity="info" small description="Cette demande est clôturée." />
            </>
          )}
          {(r.status === "answered" || r.status === "closed") && (
            <div className="fr-mt-2w">
              <ErrorAlert error={reopen.error} />
              <Button priority="secondary" onClick={() => void reopen.run()} disabled={reopen.busy}>
                Rouvrir la demande
              </Button>
            </div>
          )}

          {open && r.origin === "administration" && <PaperReplyForm r={r} />}
          <Notes r={r} note={note} addNote={addNote} sent={sent?.kind === "note" ? sent.text : undefined} />
          {open && r.nature === "reclamation" && <Extension reason={extensionReason} extend={extend} />}
          <Transfers r={r} />
          <Consultations r={r} />
          <Timeline id={r.id} version={r.version} />
        </div>

        <CompanyContext r={r} />
      </div>

      <CloseDialog r={r} reason={closeReason} close={close} />
      <TransferDialog r={r} target={target} reason={reason} transfer={transfer} />
    </>
  );
}
