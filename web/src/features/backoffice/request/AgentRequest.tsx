import { useParams } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { frenchDate, frenchDeadline, natureLabel } from "../../../shared/api/types";
import { ErrorAlert, Thread, useFormErrors } from "../../../shared/components/page";
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
import { REPLY_FIELD, TemplatePicker } from "./TemplatePicker";
import { RequestShortcuts } from "./RequestShortcuts";
import { PaperReplyForm } from "./PaperReplyForm";

/** Working a request (product §9): thread, reply with templates, notes, assignment, transfer, close. */
export function AgentRequest() {
  const { id = "" } = useParams();
  const { data } = useAgentRequest(id, Boolean(useSession().agent));
  // The heading names the request (its reference and subject), as the tab does, once it is read.
  return <AgentPage title={data ? `Demande ${data.reference} — ${data.subject}` : "Demande"}>{(agent) => <Work id={id} agentId={agent.id} />}</AgentPage>;
}

function Work({ id, agentId }: { id: string; agentId: string }) {
  const { detail, live, changed, sent, presence, conflict, drafts, actions } = useRequestWork(id, agentId);
  const { body, files, setFiles, outcome, setOutcome, note, colleague, target, reason, closeReason, extensionReason } = drafts;
  const { assignMe, assignColleague, unassign, reply, close, transfer, extend, addNote, reopen } = actions;
  const r = detail.data;
  // The reply's fields in error (an empty text, a file not sent) and the colleague not chosen: under their fields.
  const replyErrors = useFormErrors(
    reply.error ?? conflict?.anyway.error,
    { body: "Message à l'entreprise", uploadIds: "Pièces jointes" },
    {},
    { ids: { body: REPLY_FIELD, uploadIds: "reponse-pieces-jointes" } },
  );
  const colleagueErrors = useFormErrors(
    assignColleague.error,
    { agentId: "Attribuer à un collègue" },
    {},
    { focus: "field", ids: { agentId: "attribuer-collegue" } },
  );
  if (!r) return detail.error ? <ErrorAlert error={detail.error} /> : <p>Chargement…</p>;
  const nature = natureLabel(r.nature);
  const open = r.status !== "closed";
  return (
    <>
      <p>
        <StatusBadge status={r.status} /> {r.companyName} (SIREN {r.siren}) — {r.tax} — {nature}. Reçue le {dateTime(r.receivedAt)} par {r.service.name}.
      </p>
      <p>
        Échéance : <Deadline at={r.deadlineAt} overdue={r.overdue} />
        {r.deadlines.legal ? ` — délai légal : ${frenchDate(r.deadlines.legal)}` : ""}
      </p>
      <RequestShortcuts />
      <p>
        <a className="fr-link fr-icon-printer-line fr-link--icon-left" href={`/api/v1/backoffice/requests/${r.id}/transcript.pdf`} download>
          Imprimer la transcription (PDF)
        </a>
      </p>
      {r.origin === "administration" && r.correspondence && (
        <div className="fr-callout fr-icon-mail-line fr-mb-3w">
          <h2 className="fr-callout__title">Message de l'administration</h2>
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
          {r.correspondence.replyDueAt && <p className="fr-callout__text">Réponse attendue au plus tard le {frenchDeadline(r.correspondence.replyDueAt)}.</p>}
          {!r.correspondence.repliesAllowed && <p className="fr-callout__text">Les réponses de l'entreprise ne sont pas autorisées.</p>}
        </div>
      )}
      {changed && (
        <div role="alert" className="fr-mb-2w">
          <Alert severity="warning" small description={changed} />
        </div>
      )}
      <ErrorAlert error={assignMe.error ?? unassign.error} />
      {colleagueErrors.summary}

      <div className="fr-grid-row fr-grid-row--gutters">
        <div className="fr-col-12 fr-col-lg-8">
          <section aria-labelledby="attribution">
            <h2 id="attribution" className="fr-h5">
              Attribution
            </h2>
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
                  <Select
                    label="Attribuer à un collègue"
                    {...colleagueErrors.props("agentId")}
                    nativeSelectProps={{ ...colleagueErrors.native("agentId"), value: colleague.value, onChange: (e) => colleague.set(e.target.value) }}
                  >
                    <option value="">Choisir…</option>
                    {r.colleagues.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name}
                      </option>
                    ))}
                  </Select>
                </div>
                <div className="fr-col-auto">
                  <Button priority="secondary" disabled={assignColleague.busy} onClick={() => void assignColleague.run()}>
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

          <h2 className="fr-h5 fr-mt-3w">Échanges</h2>
          <PresenceNotice others={presence} />
          <NewMessageNotice live={live} />
          <Thread messages={r.messages} side="agent" />

          {open ? (
            <form onSubmit={(e) => void reply.run(e)} noValidate>
              <h2 className="fr-h5">Répondre</h2>
              <SentNotice text={sent?.kind === "reply" ? sent.text : undefined} />
              {conflict && (
                <ConflictPanel base={conflict.base} r={r} anyway={() => void conflict.anyway.run()} review={conflict.review} busy={conflict.anyway.busy} />
              )}
              {replyErrors.summary}
              <TemplatePicker templates={r.templates} body={body} error={replyErrors.fields.body} />
              <Attachments value={files} onChange={setFiles} agent id={replyErrors.id("uploadIds")} error={replyErrors.fields.uploadIds} />
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
              <Button type="submit" disabled={reply.busy}>
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
