import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { api, LETTER_KIND_LABELS, QUALITY_LABELS, ROLE_LABELS, serviceLabel, taxLabel, type Reply } from "../api";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { ErrorAlert } from "../components";
import { ADHESION_STATUS_LABELS, AgentPage, AGENT_STATUS_LABELS, dateTime, LETTER_STATUS_LABELS, type Status } from "../backoffice";

const reasonModal = createModal({ id: "motif-action", isOpenedByDefault: false });

type Desk = Reply<"/api/v1/backoffice/companies/{siren}", "get">;

/** The adhesion desk (OPALE, product §9): a company's adhesions, letters, rights, oppositions and alerts. */
export function AgentCompany() {
  const { siren = "" } = useParams();
  return <AgentPage title="Guichet des adhésions">{() => <DeskView siren={siren} />}</AgentPage>;
}

function DeskView({ siren }: { siren: string }) {
  const [desk, setDesk] = useState<Desk | undefined>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();
  const load = useCallback(() => api<Desk>("GET", `/api/v1/backoffice/companies/${siren}`).then(setDesk, setError), [siren]);
  useEffect(() => {
    void load();
  }, [load]);
  const [reason, setReason] = useState("");
  /** The action waiting for its confirmation and its own reason (what stops someone is never one click). */
  const [pending, setPending] = useState<{ label: string; path: string; question: string; consequence: string } | undefined>();
  const ask = (p: NonNullable<typeof pending>) => {
    setPending(p);
    setReason("");
    reasonModal.open();
  };
  /** Runs a desk action; those that stop someone carry the reason typed in their dialog (kept in the journal). */
  const run = async (label: string, path: string, withReason: string | undefined) => {
    setDone(undefined);
    try {
      await api("POST", path, withReason !== undefined ? { reason: withReason } : undefined);
      setDone(`${label} : fait.`);
      setError(undefined);
    } catch (e) {
      setError(e);
    }
    await load();
  };
  if (!desk) return error ? <ErrorAlert error={error} /> : <p>Chargement…</p>;
  return (
    <>
      <h2>
        {desk.company.name} — SIREN {desk.company.siren}
      </h2>
      {!desk.company.isActive && <Alert severity="warning" small description="Entreprise cessée au répertoire SIRENE." />}
      {done && (
        <div role="status">
          <Alert severity="success" small description={done} className="fr-mb-2w" />
        </div>
      )}
      <ErrorAlert error={error} />
      <reasonModal.Component title={pending?.question ?? "Confirmer"}>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!pending || !reason.trim()) return;
            reasonModal.close();
            void run(pending.label, pending.path, reason.trim());
          }}
        >
          <p>{pending?.consequence}</p>
          <Input
            label="Motif (obligatoire, conservé dans le journal)"
            textArea
            nativeTextAreaProps={{ value: reason, rows: 3, maxLength: 1_000, required: true, onChange: (e) => setReason(e.target.value) }}
          />
          <Button type="submit" disabled={!reason.trim()}>
            Confirmer
          </Button>{" "}
          <Button type="button" priority="secondary" onClick={() => reasonModal.close()}>
            Ne rien faire
          </Button>
        </form>
      </reasonModal.Component>

      <h3 className="fr-h5">Adhésions</h3>
      <div className="fr-table fr-table--no-caption">
        <table>
          <caption>Adhésions</caption>
          <thead>
            <tr>
              <th scope="col">Demandeur</th>
              <th scope="col">Qualité</th>
              <th scope="col">Services</th>
              <th scope="col">État</th>
              <th scope="col">Demandée le</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {desk.adhesions.map((a) => (
              <tr key={a.id}>
                <td>
                  {a.requester.name}
                  <br />
                  <span className="fr-text--xs">{a.requester.connectionEmail}</span>
                </td>
                <td>{QUALITY_LABELS[a.quality] ?? a.quality}</td>
                <td>{a.services.map(serviceLabel).join(", ")}</td>
                <td>
                  {ADHESION_STATUS_LABELS[a.status] ?? a.status}
                  {a.attemptsLeft !== null ? ` (${a.attemptsLeft} essais restants)` : ""}
                </td>
                <td>{dateTime(a.createdAt)}</td>
                <td>
                  {a.status === "letter_issued" && (
                    <Button size="small" priority="secondary" onClick={() => void run("Nouveau courrier", `/api/v1/backoffice/adhesions/${a.id}/reissue-letter`, undefined)}>
                      Renvoyer un courrier
                    </Button>
                  )}{" "}
                  {["awaiting_company_email", "letter_issued", "active"].includes(a.status) && (
                    <Button size="small" priority="tertiary" onClick={() =>
                        ask({
                          label: "Annulation de l'adhésion",
                          path: `/api/v1/backoffice/adhesions/${a.id}/cancel`,
                          question: `Annuler l'adhésion demandée par ${a.requester.name} ?`,
                          consequence:
                            a.status === "active"
                              ? "Ses habilitations sur l'entreprise, et celles qu'elle a données, sont révoquées à l'instant."
                              : "Les codes du courrier ne serviront plus ; la personne devra refaire une demande.",
                        })
                      }
                    >
                      Annuler…
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h3 className="fr-h5">Courriers</h3>
      <ul>
        {desk.letters.map((l) => (
          <li key={l.id}>
            N° {l.number} ({LETTER_KIND_LABELS[l.kind] ?? l.kind}) — édité le {dateTime(l.editedAt)}
            {l.printedAt ? `, imprimé le ${dateTime(l.printedAt)}` : ""}
            {l.postedAt ? `, posté le ${dateTime(l.postedAt)}` : ""}
            {l.returnedAt ? `, revenu le ${dateTime(l.returnedAt)} (NPAI)` : ""}
            {l.status === "voided" ? ` — ${LETTER_STATUS_LABELS.voided}` : ""}
          </li>
        ))}
      </ul>

      <h3 className="fr-h5">Habilitations</h3>
      <div className="fr-table fr-table--no-caption">
        <table>
          <caption>Habilitations</caption>
          <thead>
            <tr>
              <th scope="col">Personne</th>
              <th scope="col">Service</th>
              <th scope="col">Rôle</th>
              <th scope="col">État</th>
              <th scope="col">Accordée par</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {desk.rights.map((r) => (
              <tr key={r.id}>
                <td>
                  {r.holder.name}
                  <br />
                  <span className="fr-text--xs">{r.holder.connectionEmail}</span>
                </td>
                <td>
                  {serviceLabel(r.service)}
                  {r.taxScope ? ` (${r.taxScope.map(taxLabel).join(", ")})` : ""}
                </td>
                <td>{ROLE_LABELS[r.role] ?? r.role}</td>
                <td>{r.state === "active" ? "active" : r.state === "suspended" ? "suspendue" : r.state}</td>
                <td>{r.grantedBy ?? "adhésion"}</td>
                <td>
                  {r.state === "active" && (
                    <Button size="small" priority="tertiary" onClick={() =>
                        ask({
                          label: `Suspension du droit de ${r.holder.name}`,
                          path: `/api/v1/backoffice/rights/${r.id}/suspend`,
                          question: `Suspendre l'habilitation de ${r.holder.name} ?`,
                          consequence: "Elle ne peut plus agir pour l'entreprise sur ce service, ni ceux à qui elle l'a déléguée, jusqu'à leur réactivation.",
                        })
                      }
                    >
                      Suspendre…
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h3 className="fr-h5">Oppositions et alertes</h3>
      {desk.oppositions.length === 0 && desk.alerts.length === 0 ? (
        <p>Aucune.</p>
      ) : (
        <ul>
          {desk.oppositions.map((o) => (
            <li key={o.id}>
              Opposition le {dateTime(o.createdAt)} à la demande de {o.requester.name} ({o.requester.connectionEmail})
            </li>
          ))}
          {desk.alerts.map((a) => (
            <li key={a.id}>
              Alerte « {a.kind} » le {dateTime(a.createdAt)}
            </li>
          ))}
        </ul>
      )}

      <h3 className="fr-h5">Demandes (mes services)</h3>
      {desk.requests.length === 0 ? (
        <p>Aucune.</p>
      ) : (
        <ul>
          {desk.requests.map((q) => (
            <li key={q.id}>
              <Link to={`/agent/demandes/${q.id}`}>{q.reference}</Link> — {q.subject} — {AGENT_STATUS_LABELS[q.status]}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
