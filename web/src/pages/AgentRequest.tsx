import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { api, ApiError, natureLabel, ROLE_LABELS, serviceLabel, taxLabel } from "../api";
import { ErrorAlert, Thread, useAction } from "../components";
import { Attachments, type Pending } from "./Write";
import { ADHESION_STATUS_LABELS, AGENT_STATUS_LABELS, AgentPage, dateTime, Deadline, StatusBadge, useQueueEvents, type AgentRequest as Detail } from "../backoffice";

const transferModal = createModal({ id: "transfert", isOpenedByDefault: false });
const closeModal = createModal({ id: "cloture", isOpenedByDefault: false });

type Outcome = "" | "awaiting_user" | "answered";

/** Working a request (product §9): thread, reply with templates, notes, assignment, transfer, close. */
export function AgentRequest() {
  const { id = "" } = useParams();
  return <AgentPage title="Demande">{(agent) => <Work id={id} agentId={agent.id} />}</AgentPage>;
}

function Work({ id, agentId }: { id: string; agentId: string }) {
  const [r, setR] = useState<Detail | undefined>();
  const [loadError, setLoadError] = useState<unknown>();
  const [changed, setChanged] = useState<string | undefined>();
  const [body, setBody] = useState("");
  const [files, setFiles] = useState<Pending[]>([]);
  const [outcome, setOutcome] = useState<Outcome>("");
  const [note, setNote] = useState("");
  const [colleague, setColleague] = useState("");
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState("");
  const [closeReason, setCloseReason] = useState("");
  const navigate = useNavigate();
  const load = useCallback(() => api<Detail>("GET", `/api/v1/backoffice/requests/${id}`).then(setR, setLoadError), [id]);
  useEffect(() => {
    void load();
  }, [load]);
  useQueueEvents(useCallback((e: { id: string }) => e.id === id && void load(), [id, load]));

  /** An action with the version read: when someone acted first (409), say what changed and reload. */
  const useVersioned = (fn: (version: number) => Promise<void>, reload = true) =>
    useAction(async () => {
      if (!r) return;
      setChanged(undefined);
      try {
        await fn(r.version);
      } catch (e) {
        if (e instanceof ApiError && e.code === "stale_version") {
          const d = e.details as { status?: keyof typeof AGENT_STATUS_LABELS } | undefined;
          setChanged(`Un collègue a modifié cette demande pendant votre lecture${d?.status ? ` (état : ${AGENT_STATUS_LABELS[d.status]})` : ""}. Elle a été rechargée : vérifiez puis recommencez.`);
          await load();
          return;
        }
        throw e;
      }
      if (reload) await load();
    });
  const useAssign = (agent: string | null) => useVersioned(async (version) => void (await api("POST", `/api/v1/backoffice/requests/${id}/assign`, { agentId: agent, version })));
  const assignMe = useAssign(agentId);
  const assignColleague = useAssign(colleague || null);
  const unassign = useAssign(null);
  const reply = useVersioned(async (version) => {
    const uploadIds = files.filter((f) => f.done).map((f) => f.done!.uploadId);
    await api("POST", `/api/v1/backoffice/requests/${id}/messages`, { body, uploadIds, version, ...(outcome ? { status: outcome } : {}) });
    setBody("");
    setFiles([]);
    setOutcome("");
  });
  const close = useVersioned(async (version) => {
    await api("POST", `/api/v1/backoffice/requests/${id}/close`, { version, ...(closeReason.trim() ? { reason: closeReason.trim() } : {}) });
    closeModal.close();
    setCloseReason("");
  });
  // A transferred request leaves this agent's services: back to the queue, saying where it went.
  const transfer = useVersioned(async (version) => {
    await api("POST", `/api/v1/backoffice/requests/${id}/transfer`, { serviceCode: target, reason, version });
    transferModal.close();
    const to = r?.transferTargets.find((s) => s.code === target)?.name ?? target;
    navigate("/agent", { state: { notice: `La demande ${r?.reference ?? ""} a été transférée à ${to}. Elle ne figure plus dans votre file.` } });
  }, false);
  const [extensionReason, setExtensionReason] = useState("");
  const extend = useVersioned(async (version) => {
    await api("POST", `/api/v1/backoffice/requests/${id}/extend`, { reason: extensionReason, version });
    setExtensionReason("");
  });
  const addNote = useAction(async () => {
    await api("POST", `/api/v1/backoffice/requests/${id}/notes`, { body: note });
    setNote("");
    await load();
  });

  if (loadError) return <ErrorAlert error={loadError} />;
  if (!r) return <p>Chargement…</p>;
  const nature = natureLabel(r.nature);
  const open = r.status !== "closed";
  const answered = r.messages.some((m) => m.author.kind === "agent");
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
      {r.origin === "administration" && r.correspondence && (
        <div className="fr-callout fr-icon-mail-line fr-mb-3w">
          <h3 className="fr-callout__title">Message de l'administration</h3>
          <p className="fr-callout__text">
            Publié le {dateTime(r.receivedAt)}.{" "}
            {r.companySide.firstRead ? `Ouvert par l'entreprise le ${dateTime(r.companySide.firstRead.at)} (${r.companySide.firstRead.by}).` : "Pas encore ouvert par l'entreprise."}
          </p>
          {r.correspondence.acknowledgementRequired && (
            <p className="fr-callout__text">
              {r.companySide.acknowledgement
                ? `Accusé de réception : le ${dateTime(r.companySide.acknowledgement.at)}, par ${r.companySide.acknowledgement.by}.`
                : "Accusé de réception demandé : pas encore donné."}
            </p>
          )}
          {r.correspondence.replyDueAt && <p className="fr-callout__text">Réponse attendue au plus tard le {dateTime(r.correspondence.replyDueAt)}.</p>}
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
                  <Select label="Attribuer à un collègue" nativeSelectProps={{ value: colleague, onChange: (e) => setColleague(e.target.value) }}>
                    <option value="">Choisir…</option>
                    {r.colleagues.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name}
                      </option>
                    ))}
                  </Select>
                </div>
                <div className="fr-col-auto">
                  <Button priority="secondary" disabled={!colleague || assignColleague.busy} onClick={() => void assignColleague.run()}>
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
          <Thread messages={r.messages} side="agent" />

          {open ? (
            <form onSubmit={(e) => void reply.run(e)} noValidate>
              <h3 className="fr-h5">Répondre</h3>
              <ErrorAlert error={reply.error} />
              {r.templates.length > 0 && (
                <Select
                  label="Modèle de réponse"
                  hint="Le modèle remplace le texte de la réponse ; les variables sont déjà remplies."
                  nativeSelectProps={{ value: "", onChange: (e) => setBody(r.templates.find((t) => t.id === e.target.value)?.body ?? body) }}
                >
                  <option value="">Choisir un modèle…</option>
                  {r.templates.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.title}
                    </option>
                  ))}
                </Select>
              )}
              <Input label="Message à l'entreprise" textArea nativeTextAreaProps={{ value: body, rows: 6, maxLength: 10_000, onChange: (e) => setBody(e.target.value) }} />
              <Attachments value={files} onChange={setFiles} agent />
              <RadioButtons
                legend="Suite donnée"
                name="issue"
                options={[
                  { label: "Répondre sans changer l'état", nativeInputProps: { checked: outcome === "", onChange: () => setOutcome("") } },
                  { label: "Demander un complément (en attente de l'usager)", nativeInputProps: { checked: outcome === "awaiting_user", onChange: () => setOutcome("awaiting_user") } },
                  { label: "Donner la réponse (traitée)", nativeInputProps: { checked: outcome === "answered", onChange: () => setOutcome("answered") } },
                ]}
              />
              <Button type="submit" disabled={reply.busy || !body.trim() || files.some((f) => !f.done && !f.error)}>
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
            <Alert severity="info" small description="Cette demande est clôturée." />
          )}

          <section aria-labelledby="notes" className="fr-mt-4w">
            <h3 id="notes" className="fr-h5">
              Notes internes
            </h3>
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
              <ErrorAlert error={addNote.error} />
              <Input label="Nouvelle note" textArea nativeTextAreaProps={{ value: note, rows: 2, maxLength: 5_000, onChange: (e) => setNote(e.target.value) }} />
              <Button type="submit" priority="secondary" disabled={addNote.busy || !note.trim()}>
                Ajouter la note
              </Button>
            </form>
          </section>

          {open && r.nature === "reclamation" && (
            <section aria-labelledby="prolongation" className="fr-mt-4w">
              <h3 id="prolongation" className="fr-h5">
                Délai légal de décision
              </h3>
              <form onSubmit={(e) => void extend.run(e)} noValidate>
                <ErrorAlert error={extend.error} />
                <Input
                  label="Motif de la prolongation (interne)"
                  hintText="L'entreprise voit la nouvelle date et un message, jamais le motif. Une seule prolongation de 3 mois."
                  nativeInputProps={{ value: extensionReason, maxLength: 1_000, onChange: (e) => setExtensionReason(e.target.value) }}
                />
                <Button type="submit" priority="secondary" disabled={extend.busy || !extensionReason.trim()}>
                  Prolonger de 3 mois
                </Button>
              </form>
            </section>
          )}

          {r.transfers.length > 0 && (
            <section className="fr-mt-4w">
              <h3 className="fr-h5">Transferts</h3>
              <ul>
                {r.transfers.map((t, i) => (
                  <li key={i}>
                    {dateTime(t.at)} : {t.from.name} → {t.to.name} par {t.by} — motif : {t.reason}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>

        <aside className="fr-col-12 fr-col-lg-4" aria-labelledby="contexte">
          <h3 id="contexte" className="fr-h5">
            L'entreprise
          </h3>
          <p>
            <strong>{r.company.name}</strong>
            <br />
            SIREN {r.company.siren}
            {r.company.address && (
              <>
                <br />
                {r.company.address}
              </>
            )}
          </p>
          <p>
            <Link to={`/agent/entreprises/${r.siren}`}>Guichet des adhésions de l'entreprise</Link>
          </p>
          {r.company.oppositions > 0 && <Alert severity="warning" small description={`${r.company.oppositions} opposition(s) à des demandes d'adhésion.`} />}
          <h4 className="fr-h6 fr-mt-2w">Qui agit pour elle</h4>
          <ul>
            {r.company.representatives.map((p, i) => (
              <li key={i}>
                {p.name} — {serviceLabel(p.service)} ({ROLE_LABELS[p.role] ?? p.role}
                {p.taxScope ? `, ${p.taxScope.map(taxLabel).join(", ")}` : ""})
              </li>
            ))}
          </ul>
          <h4 className="fr-h6">Adhésions</h4>
          <ul>
            {r.company.adhesions.map((a) => (
              <li key={a.id}>
                {a.requester} — {ADHESION_STATUS_LABELS[a.status] ?? a.status}
              </li>
            ))}
          </ul>
          <h4 className="fr-h6">Ses autres demandes</h4>
          {r.otherRequests.length === 0 ? (
            <p>Aucune.</p>
          ) : (
            <ul>
              {r.otherRequests.map((o) => (
                <li key={o.id}>
                  <Link to={`/agent/demandes/${o.id}`}>{o.reference}</Link> — {o.subject} ({AGENT_STATUS_LABELS[o.status]})
                </li>
              ))}
            </ul>
          )}
        </aside>
      </div>

      <closeModal.Component title={`Clôturer la demande ${r.reference} ?`}>
        <form onSubmit={(e) => void close.run(e)} noValidate>
          <p>L'entreprise ne pourra plus y répondre ; elle devra déposer une nouvelle demande en citant sa référence.</p>
          <ErrorAlert error={close.error} />
          <Input
            label={answered ? "Motif de la clôture (facultatif, lu par l'entreprise)" : "Motif de la clôture (lu par l'entreprise)"}
            hintText={answered ? undefined : "Cette demande n'a reçu aucune réponse : dites à l'entreprise pourquoi elle est clôturée."}
            textArea
            nativeTextAreaProps={{ value: closeReason, rows: 3, maxLength: 1_000, onChange: (e) => setCloseReason(e.target.value), required: !answered }}
          />
          <Button type="submit" disabled={close.busy || (!answered && !closeReason.trim())}>
            Clôturer
          </Button>{" "}
          <Button type="button" priority="secondary" onClick={() => closeModal.close()}>
            Annuler
          </Button>
        </form>
      </closeModal.Component>

      <transferModal.Component title="Transférer la demande">
        <form onSubmit={(e) => void transfer.run(e)} noValidate>
          <ErrorAlert error={transfer.error} />
          <Select label="Service destinataire" nativeSelectProps={{ value: target, onChange: (e) => setTarget(e.target.value), required: true }}>
            <option value="">Choisir…</option>
            {r.transferTargets.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name} ({s.code})
              </option>
            ))}
          </Select>
          <Input label="Motif (interne, non visible de l'entreprise)" textArea nativeTextAreaProps={{ value: reason, rows: 3, maxLength: 1_000, onChange: (e) => setReason(e.target.value), required: true }} />
          <Button type="submit" disabled={!target || !reason.trim() || transfer.busy}>
            Transférer
          </Button>
        </form>
      </transferModal.Component>
    </>
  );
}
