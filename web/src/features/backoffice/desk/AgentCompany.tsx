import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { client, ok } from "../../../shared/api/client";
import { LETTER_KIND_LABELS, QUALITY_LABELS, RIGHT_STATE_LABELS, ROLE_LABELS, serviceLabel, taxLabel } from "../../../shared/api/types";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { ErrorAlert } from "../../../shared/components/page";
import { ScrollingTable } from "../../../shared/components/table";
import { ADHESION_STATUS_LABELS, AgentPage, AGENT_STATUS_LABELS, dateTime, LETTER_STATUS_LABELS } from "../shared/backoffice";
import { useSession } from "../../../shared/session";
import { backofficeKeys, useDesk } from "../queries";

const reasonModal = createModal({ id: "motif-action", isOpenedByDefault: false });
const REASON_FIELD = "motif-action-texte";

/** A desk action: a new letter for an adhesion, or what stops someone (with the reason typed in its dialog). */
type DeskAction = { label: string } & ({ kind: "reissue"; id: string } | { kind: "cancel" | "suspend"; id: string; reason: string });

/** Calls the route of a desk action. */
async function perform(a: DeskAction) {
  const path = { params: { path: { id: a.id } } };
  switch (a.kind) {
    case "reissue":
      await ok(client.POST("/api/v1/backoffice/adhesions/{id}/reissue-letter", path));
      return;
    case "cancel":
      await ok(client.POST("/api/v1/backoffice/adhesions/{id}/cancel", { ...path, body: { reason: a.reason } }));
      return;
    case "suspend":
      await ok(client.POST("/api/v1/backoffice/rights/{id}/suspend", { ...path, body: { reason: a.reason } }));
      return;
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** What an alert of the desk is about, in words. */
const ALERT_LABELS: Record<string, string> = {
  opposition: "Opposition à une adhésion",
  bulk_right_suspended: "Adhésion en nombre suspendue après des oppositions répétées",
};

/** The adhesion desk (OPALE, product §9): a company's adhesions, letters, rights, oppositions and alerts. */
export function AgentCompany() {
  const { siren = "" } = useParams();
  const { data } = useDesk(siren, Boolean(useSession().agent));
  return (
    <AgentPage
      title="Guichet des adhésions"
      documentTitle={`${data ? `${data.company.name} (${data.company.siren})` : `SIREN ${siren}`} — Guichet des adhésions`}
    >
      {(agent) => <DeskView siren={siren} isSupervisor={agent.isSupervisor} />}
    </AgentPage>
  );
}

function DeskView({ siren, isSupervisor }: { siren: string; isSupervisor: boolean }) {
  const queryClient = useQueryClient();
  const { data: desk, error: loadError } = useDesk(siren);
  const [done, setDone] = useState<string | undefined>();
  const [reason, setReason] = useState("");
  /** The reason's error (none typed), said under it; the button stays enabled. */
  const [reasonError, setReasonError] = useState<string | undefined>();
  /** The action waiting for its confirmation and its own reason (what stops someone is never one click). */
  const [pending, setPending] = useState<{ label: string; kind: "cancel" | "suspend"; id: string; question: string; consequence: string } | undefined>();
  const ask = (p: NonNullable<typeof pending>) => {
    setPending(p);
    setReason("");
    setReasonError(undefined);
    reasonModal.open();
  };
  /** Runs a desk action, then shows the desk as it now is (the request pages' company context too), done or not. */
  const action = useMutation({
    mutationFn: perform,
    onMutate: () => setDone(undefined),
    onSuccess: (_, a) => setDone(`${a.label} : fait.`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: backofficeKeys.all }),
  });
  const run = (a: DeskAction) => action.mutate(a);
  const error = action.error ?? loadError;
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
            if (!pending) return;
            if (!reason.trim()) {
              setReasonError("Saisissez le motif : il est conservé dans le journal.");
              document.getElementById(REASON_FIELD)?.focus();
              return;
            }
            reasonModal.close();
            run({ label: pending.label, kind: pending.kind, id: pending.id, reason: reason.trim() });
          }}
        >
          <p>{pending?.consequence}</p>
          <Input
            label="Motif (obligatoire, conservé dans le journal)"
            textArea
            {...(reasonError ? { state: "error" as const, stateRelatedMessage: reasonError } : {})}
            nativeTextAreaProps={{
              id: REASON_FIELD,
              ...(reasonError ? { "aria-invalid": true } : {}),
              value: reason,
              rows: 3,
              maxLength: 1_000,
              required: true,
              onChange: (e) => (setReason(e.target.value), setReasonError(undefined)),
            }}
          />
          <Button type="submit">Confirmer</Button>{" "}
          <Button type="button" priority="secondary" onClick={() => reasonModal.close()}>
            Ne rien faire
          </Button>
        </form>
      </reasonModal.Component>

      <h3 className="fr-h5">Adhésions</h3>
      <ScrollingTable caption="Adhésions" hideCaption>
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
                  <Button size="small" priority="secondary" onClick={() => run({ label: "Nouveau courrier", kind: "reissue", id: a.id })}>
                    Renvoyer un courrier
                  </Button>
                )}{" "}
                {["awaiting_company_email", "letter_issued", "active"].includes(a.status) && (
                  <Button
                    size="small"
                    priority="tertiary"
                    onClick={() =>
                      ask({
                        label: "Annulation de l'adhésion",
                        kind: "cancel",
                        id: a.id,
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
      </ScrollingTable>

      <h3 className="fr-h5">Courriers</h3>
      {desk.letters.length === 0 ? (
        <p>Aucun.</p>
      ) : (
        <ScrollingTable caption="Courriers, du plus récent au plus ancien" hideCaption>
          <thead>
            <tr>
              <th scope="col">Numéro</th>
              <th scope="col">Objet</th>
              <th scope="col">Adressé à</th>
              <th scope="col">Suivi</th>
            </tr>
          </thead>
          <tbody>
            {desk.letters.map((l) => (
              <tr key={l.id}>
                <td>{l.number}</td>
                <td>
                  {capitalise(LETTER_KIND_LABELS[l.kind] ?? l.kind)}
                  {l.campaign && (
                    <>
                      <br />
                      Campagne {isSupervisor ? <Link to={`/agent/campagnes/${l.campaign.id}`}>« {l.campaign.subject} »</Link> : `« ${l.campaign.subject} »`}
                    </>
                  )}
                </td>
                <td>
                  <address style={{ fontStyle: "normal", whiteSpace: "pre-line" }}>{l.addressLines.join("\n")}</address>
                </td>
                <td>
                  édité le {dateTime(l.editedAt)}
                  {l.printedAt ? `, imprimé le ${dateTime(l.printedAt)}` : ""}
                  {l.postedAt ? `, posté le ${dateTime(l.postedAt)}` : ""}
                  {l.returnedAt ? `, revenu le ${dateTime(l.returnedAt)} (n'habite pas à l'adresse indiquée)` : ""}
                  {l.status === "voided" ? ` — ${LETTER_STATUS_LABELS.voided}` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollingTable>
      )}

      <h3 className="fr-h5">Habilitations</h3>
      <ScrollingTable caption="Habilitations" hideCaption>
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
              <td>{r.state === "suspended" ? "suspendue" : (RIGHT_STATE_LABELS[r.state] ?? r.state)}</td>
              <td>{r.grantedBy ?? "adhésion"}</td>
              <td>
                {r.state === "active" && (
                  <Button
                    size="small"
                    priority="tertiary"
                    onClick={() =>
                      ask({
                        label: `Suspension du droit de ${r.holder.name}`,
                        kind: "suspend",
                        id: r.id,
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
      </ScrollingTable>

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
              {ALERT_LABELS[a.kind] ?? a.kind} : alerte du {dateTime(a.createdAt)}
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
