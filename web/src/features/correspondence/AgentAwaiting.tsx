import { useState } from "react";
import { Link } from "react-router";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { client, ok } from "../../shared/api/client";
import { frenchDateTime, natureLabel, type Item, type Reply } from "../../shared/api/types";
import { ErrorAlert, useAction } from "../../shared/components/page";
import { MoreButton } from "../../shared/query";
import { AgentPage, Deadline } from "../backoffice/shared/backoffice";
import { correspondenceKeys, useAwaiting, useScheduled, type AwaitingFilters } from "./queries";

type Scheduled = Item<Reply<"/api/v1/backoffice/threads/scheduled", "get">>;

const WAITING_LABELS = { acknowledgement: "Accusé de réception", reply: "Réponse" } as const;

/** What companies owe the administration (product §16): acknowledgements and replies, overdue first; the messages to come. */
export function AgentAwaiting() {
  return (
    <AgentPage
      title="En attente des entreprises"
      lead="Les messages de vos services qui attendent un accusé de réception ou une réponse, les plus en retard d'abord."
    >
      {() => <Lists />}
    </AgentPage>
  );
}

function Lists() {
  const [waiting, setWaiting] = useState<AwaitingFilters["waiting"]>("");
  const [overdue, setOverdue] = useState(false);
  // The back office's live events refresh both lists (their keys start with "backoffice").
  const list = useAwaiting({ waiting, overdue });
  const scheduled = useScheduled();
  return (
    <>
      <div className="fr-grid-row fr-grid-row--gutters fr-mb-2w">
        <div className="fr-col-12 fr-col-md-4">
          <Select
            label="Attendu de l'entreprise"
            nativeSelectProps={{ value: waiting, onChange: (e) => setWaiting(e.target.value as AwaitingFilters["waiting"]) }}
          >
            <option value="">Accusé de réception ou réponse</option>
            <option value="acknowledgement">Accusé de réception</option>
            <option value="reply">Réponse</option>
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-4 fr-mt-md-4w">
          <div className="fr-checkbox-group">
            <input type="checkbox" id="en-retard" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} />
            <label className="fr-label" htmlFor="en-retard">
              En retard seulement
            </label>
          </div>
        </div>
      </div>
      <ErrorAlert error={list.error} />
      {list.items && list.items.length === 0 && <p>Aucun message n'attend l'entreprise{overdue ? " en retard" : ""}.</p>}
      {list.items && list.items.length > 0 && (
        <div className="fr-table fr-table--bordered">
          <table>
            <caption className="fr-sr-only">Messages en attente des entreprises</caption>
            <thead>
              <tr>
                <th scope="col">Message</th>
                <th scope="col">Entreprise</th>
                <th scope="col">Attendu</th>
                <th scope="col">Échéance</th>
                <th scope="col">Lu</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Link to={`/agent/demandes/${t.id}`} id={`attente-${t.id}`}>
                      {t.subject}
                    </Link>
                    <br />
                    <span className="fr-text--xs">
                      {t.reference} — {t.tax} — {natureLabel(t.nature)} — publié le {frenchDateTime(t.publishedAt)}
                    </span>
                  </td>
                  <td>
                    {t.companyName}
                    <br />
                    <span className="fr-text--xs">SIREN {t.siren}</span>
                  </td>
                  <td>
                    {t.waitingFor.map((w) => (
                      <Badge key={w} small severity="warning" className="fr-mr-1v">
                        {WAITING_LABELS[w]}
                      </Badge>
                    ))}
                  </td>
                  <td>
                    <Deadline at={t.replyDueAt} overdue={t.overdue} />
                  </td>
                  <td>{t.firstReadAt ? frenchDateTime(t.firstReadAt) : "Non lu"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton list={list} itemId={(t) => `attente-${t.id}`} />
      <h2 className="fr-mt-6w">Messages programmés</h2>
      <ErrorAlert error={scheduled.error} />
      {scheduled.items && scheduled.items.length === 0 && <p>Aucun message programmé.</p>}
      {scheduled.items && scheduled.items.length > 0 && (
        <ul className="fr-raw-list">
          {scheduled.items.map((s) => (
            <ScheduledLine key={s.id} s={s} />
          ))}
        </ul>
      )}
      <MoreButton list={scheduled} itemId={(s) => `programme-${s.id}`} />
    </>
  );
}

function ScheduledLine({ s }: { s: Scheduled }) {
  // A cancelled message leaves the messages to come (and the queue's thread goes with it).
  const cancel = useAction(async () => {
    await ok(client.DELETE("/api/v1/backoffice/threads/scheduled/{id}", { params: { path: { id: s.id } } }));
  }, [correspondenceKeys.all]);
  return (
    <li className="fr-card fr-p-2w fr-mb-2w" id={`programme-${s.id}`}>
      <p className="fr-mb-1w">
        <strong>{s.subject}</strong> — {s.companyName} (SIREN {s.siren}) — {s.reference}
      </p>
      <p className="fr-text--sm fr-mb-1w">Publication le {frenchDateTime(s.publishAt)}</p>
      <ErrorAlert error={cancel.error} />
      <Button
        size="small"
        priority="secondary"
        disabled={cancel.busy}
        onClick={() => void cancel.run()}
        nativeButtonProps={{ "aria-label": `Annuler la publication de ${s.reference}` }}
      >
        Annuler la publication
      </Button>
    </li>
  );
}
