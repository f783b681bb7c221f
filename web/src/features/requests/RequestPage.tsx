import { useState } from "react";
import { Navigate, useParams, useSearchParams } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { client, ok } from "../../shared/api/client";
import { frenchDate, frenchDateTime, frenchDeadline, natureLabel, REQUEST_STATUS_LABELS } from "../../shared/api/types";
import { ErrorAlert, Page, refuseFields, Thread, useAction, useFormErrors } from "../../shared/components/page";
import { useSession } from "../../shared/session";
import { Attachments, uploadedIds, uploadProblem } from "./Write";
import { NewMessageNotice } from "../../shared/components/NewMessageNotice";
import { useDraftHold } from "../../shared/live";
import { requestKeys, useRequest } from "./queries";
import { FollowerControl } from "./FollowerControl";

const closeModal = createModal({ id: "cloturer-demande", isOpenedByDefault: false });

/** A request's thread: messages (plain text, never HTML), attachments, the receipt, reply and close. */
export function RequestPage() {
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const { person } = useSession();
  const [body, setBody] = useState("");
  const [files, setFiles] = useState<Parameters<typeof Attachments>[0]["value"]>([]);
  const detail = useRequest(id, Boolean(person));
  const request = detail.data;
  // The one rule for drafts: while a reply is being written, a new message waits for the person to ask for it.
  const live = useDraftHold(requestKeys.detail(id), body.trim() !== "" || files.length > 0);
  const changes = [requestKeys.all, ["companies"]];
  const reply = useAction(async () => {
    // The button is never disabled: an empty reply, or a file not sent, is named in the summary that takes the focus.
    refuseFields({ body: !body.trim() && "saisissez votre réponse.", uploadIds: uploadProblem(files) });
    await ok(
      client.POST("/api/v1/requests/{id}/messages", {
        params: { path: { id } },
        body: { body, uploadIds: uploadedIds(files) },
      }),
    );
    setBody("");
    setFiles([]);
  }, changes);
  const replyErrors = useFormErrors(reply.error, { body: "Votre réponse", uploadIds: "Pièces jointes" });
  const acknowledge = useAction(async () => {
    await ok(client.POST("/api/v1/requests/{id}/acknowledge", { params: { path: { id } } }));
  }, changes);
  const close = useAction(async () => {
    await ok(client.POST("/api/v1/requests/{id}/close", { params: { path: { id } } }));
    closeModal.close();
  }, changes);
  if (person === null) return <Navigate to="/connexion" replace />;
  if (detail.error)
    return (
      <Page title="Demande">
        <ErrorAlert error={detail.error} />
      </Page>
    );
  if (!request) return <Page title="Demande">Chargement…</Page>;
  const nature = natureLabel(request.nature);
  const fromAdministration = request.origin === "administration" ? request.correspondence : null;
  const repliesAllowed = fromAdministration?.repliesAllowed ?? true;
  // The server refuses it too (409 acknowledgement_required): the date of the acknowledgement is what counts.
  const awaitingAcknowledgement = Boolean(fromAdministration?.acknowledgementRequired && !fromAdministration.acknowledgedAt);
  return (
    <Page
      title={request.subject}
      trail={[{ label: "Suivre mes demandes", to: "/demandes" }]}
      lead={`${request.reference} — ${request.companyName} — ${request.tax} — ${nature}`}
    >
      {params.get("deposee") && (
        <Alert
          severity="success"
          title="Votre demande est déposée"
          description={`Reçue le ${frenchDateTime(request.receivedAt)} par ${request.service.name}. L'accusé de réception signé vous a aussi été envoyé par courriel.`}
          className="fr-mb-3w"
        />
      )}
      {fromAdministration ? (
        <div className="fr-callout fr-icon-mail-line fr-mb-3w">
          <h2 className="fr-callout__title">Message de l'administration</h2>
          <p className="fr-callout__text">
            {request.service.name} a écrit à {request.companyName} le {frenchDateTime(request.receivedAt)}.
            {fromAdministration.replyDueAt ? ` Réponse attendue au plus tard le ${frenchDeadline(fromAdministration.replyDueAt)}.` : ""}
          </p>
          {fromAdministration.acknowledgementRequired &&
            (fromAdministration.acknowledgedAt ? (
              <p className="fr-callout__text">
                <strong>
                  Accusé de réception donné le {frenchDateTime(fromAdministration.acknowledgedAt)} par {fromAdministration.acknowledgedBy}.
                </strong>
              </p>
            ) : (
              <>
                <p className="fr-callout__text">
                  L'administration demande un accusé de réception. En cliquant, vous confirmez que l'entreprise a pris connaissance de ce message : la date et
                  votre nom sont enregistrés, et cette date vaut date à laquelle l'entreprise est réputée informée.
                </p>
                <ErrorAlert error={acknowledge.error} />
                <Button onClick={() => void acknowledge.run()} disabled={acknowledge.busy}>
                  J'accuse réception
                </Button>
              </>
            ))}
        </div>
      ) : (
        <>
          <p>
            <Badge severity={request.status === "awaiting_user" ? "warning" : request.status === "answered" ? "success" : "info"}>
              {REQUEST_STATUS_LABELS[request.status]}
            </Badge>{" "}
            Service : {request.service.name}. Première réponse annoncée au plus tard le {frenchDate(request.deadlines.firstAnswer)}
            {request.deadlines.legal ? ` ; délai légal de décision : ${frenchDate(request.deadlines.legal)}` : ""}.
          </p>
          <p>
            <a className="fr-link fr-icon-download-line fr-link--icon-left" href={`/api/v1/requests/${request.id}/receipt.pdf`} download>
              Télécharger l'accusé de réception signé (PDF)
            </a>
          </p>
        </>
      )}
      {person && <FollowerControl requestId={request.id} followedBy={request.followedBy} me={person.id} />}
      {request.openings && (
        <details className="fr-mb-3w">
          <summary>Consultations par l'administration ({request.openings.length})</summary>
          {request.openings.length === 0 ? (
            <p>Aucun service n'a encore ouvert cette demande.</p>
          ) : (
            <ul>
              {request.openings.map((o, i) => (
                <li key={i}>
                  Consultée par {o.service.name}, {o.count} fois, dernière le {frenchDateTime(o.openedAt)}
                </li>
              ))}
            </ul>
          )}
        </details>
      )}
      <h2>Échanges</h2>
      <NewMessageNotice live={live} />
      <Thread messages={request.messages} side="company" />
      {request.status === "closed" ? (
        <Alert severity="info" small description="Cette demande est clôturée : pour poursuivre, déposez une nouvelle demande en citant sa référence." />
      ) : !repliesAllowed ? (
        <Alert
          severity="info"
          small
          className="fr-mt-4w"
          description="Ce message de l'administration n'appelle pas de réponse. Pour écrire au service, déposez une nouvelle demande en citant sa référence."
        />
      ) : (
        <form onSubmit={(e) => void reply.run(e)} noValidate className="fr-mt-4w">
          {replyErrors.summary}
          <Input
            label="Votre réponse"
            textArea
            {...replyErrors.props("body")}
            nativeTextAreaProps={{ ...replyErrors.native("body"), value: body, rows: 5, maxLength: 10_000, onChange: (e) => setBody(e.target.value) }}
          />
          <Attachments value={files} onChange={setFiles} id={replyErrors.id("uploadIds")} error={replyErrors.fields.uploadIds} />
          <Button type="submit" disabled={reply.busy}>
            Répondre
          </Button>{" "}
          {awaitingAcknowledgement ? (
            <p className="fr-hint-text fr-mt-2w">Pour clôturer cette demande, accusez d'abord réception du message de l'administration.</p>
          ) : (
            <Button type="button" priority="secondary" nativeButtonProps={closeModal.buttonProps}>
              Clôturer la demande…
            </Button>
          )}
        </form>
      )}
      <closeModal.Component
        title={`Clôturer la demande ${request.reference} ?`}
        buttons={[
          { children: "Annuler", priority: "secondary" },
          { children: "Clôturer", doClosesModal: false, disabled: close.busy, onClick: () => void close.run() },
        ]}
      >
        <p>Vous ne pourrez plus y répondre, ni l'administration. Pour y revenir, il faudra déposer une nouvelle demande en citant sa référence.</p>
        <ErrorAlert error={close.error} />
      </closeModal.Component>
    </Page>
  );
}
