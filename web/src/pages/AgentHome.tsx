import { useCallback, useEffect, useState } from "react";
import { Link, useLocation } from "react-router";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { Checkbox } from "@codegouvfr/react-dsfr/Checkbox";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { api, NATURES, TAXES } from "../api";
import { ErrorAlert } from "../components";
import { AgentPage, AGENT_STATUS_LABELS, Deadline, StatusBadge, useQueueEvents, type QueueCounts, type QueueItem } from "../backoffice";

type Filters = { service: string; status: string; tax: string; nature: string; assignee: string; overdue: boolean; q: string };
const EMPTY: Filters = { service: "", status: "", tax: "", nature: "", assignee: "", overdue: false, q: "" };

function query(f: Filters, cursor?: string) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (v === true) p.set(k, "true");
    else if (typeof v === "string" && v.trim()) p.set(k, v.trim());
  }
  if (cursor) p.set("cursor", cursor);
  return p.toString();
}

/** The queue of the agent's services (product §9): by deadline, filters, counts, live. */
export function AgentHome() {
  // A confirmation carried over from the page the agent left (a request transferred to another service).
  const notice = (useLocation().state as { notice?: string } | null)?.notice;
  return (
    <AgentPage title="File d'attente">
      {(agent) => (
        <>
          {notice && <Alert severity="success" small className="fr-mb-3w" description={notice} />}
          <p>
            Bonjour {agent.name}
            {agent.isSupervisor ? " (superviseur)" : ""}. Mes services : {agent.services.map((s) => s.name).join(", ")}.
          </p>
          <Queue />
        </>
      )}
    </AgentPage>
  );
}

function Queue() {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [items, setItems] = useState<QueueItem[] | undefined>();
  const [next, setNext] = useState<string | null>(null);
  const [counts, setCounts] = useState<QueueCounts | undefined>();
  const [error, setError] = useState<unknown>();
  const load = useCallback(async () => {
    try {
      const [page, c] = await Promise.all([
        api<{ items: QueueItem[]; nextCursor: string | null }>("GET", `/api/v1/backoffice/requests?${query(applied)}`),
        api<QueueCounts>("GET", `/api/v1/backoffice/requests/counts${applied.service ? `?service=${applied.service}` : ""}`),
      ]);
      setItems(page.items);
      setNext(page.nextCursor);
      setCounts(c);
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, [applied]);
  useEffect(() => {
    void load();
  }, [load]);
  useQueueEvents(useCallback(() => void load(), [load]));
  const more = async () => {
    if (!next) return;
    const page = await api<{ items: QueueItem[]; nextCursor: string | null }>("GET", `/api/v1/backoffice/requests?${query(applied, next)}`);
    setItems([...(items ?? []), ...page.items]);
    setNext(page.nextCursor);
  };
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [k]: e.target.value });

  return (
    <>
      {counts && (
        <ul className="fr-tags-group fr-mb-2w" aria-label="Compteurs">
          {(Object.keys(counts.byStatus) as (keyof QueueCounts["byStatus"])[]).map((s) => (
            <li key={s}>
              <p className="fr-tag">
                {AGENT_STATUS_LABELS[s]} : {counts.byStatus[s]}
              </p>
            </li>
          ))}
          <li>
            <p className="fr-tag">En retard : {counts.overdue}</p>
          </li>
          <li>
            <p className="fr-tag">Échéance proche : {counts.dueSoon}</p>
          </li>
          <li>
            <p className="fr-tag">Non attribuées : {counts.unassigned}</p>
          </li>
          <li>
            <p className="fr-tag">Attribuées à moi : {counts.mine}</p>
          </li>
        </ul>
      )}
      <form
        className="fr-grid-row fr-grid-row--gutters fr-mb-2w"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filters);
        }}
        aria-label="Filtrer la file"
      >
        <div className="fr-col-12 fr-col-md-3">
          <Select label="État" nativeSelectProps={{ value: filters.status, onChange: set("status") }}>
            <option value="">Ouvertes (toutes)</option>
            {Object.entries(AGENT_STATUS_LABELS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Select label="Impôt" nativeSelectProps={{ value: filters.tax, onChange: set("tax") }}>
            <option value="">Tous</option>
            {TAXES.map((t) => (
              <option key={t.code} value={t.code}>
                {t.label}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Select label="Nature" nativeSelectProps={{ value: filters.nature, onChange: set("nature") }}>
            <option value="">Toutes</option>
            {NATURES.map((n) => (
              <option key={n.code} value={n.code}>
                {n.label}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Select label="Attribution" nativeSelectProps={{ value: filters.assignee, onChange: set("assignee") }}>
            <option value="">Toutes</option>
            <option value="me">Attribuées à moi</option>
            <option value="none">Non attribuées</option>
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-6">
          <Input label="Rechercher (référence, objet, messages)" nativeInputProps={{ value: filters.q, onChange: set("q"), type: "search" }} />
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Checkbox options={[{ label: "En retard seulement", nativeInputProps: { checked: filters.overdue, onChange: (e) => setFilters({ ...filters, overdue: e.target.checked }) } }]} />
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Button type="submit">Filtrer</Button>{" "}
          <Button
            type="button"
            priority="tertiary"
            onClick={() => {
              setFilters(EMPTY);
              setApplied(EMPTY);
            }}
          >
            Effacer
          </Button>
        </div>
      </form>
      <ErrorAlert error={error} />
      {items && items.length === 0 && (
        <Alert
          severity="info"
          small
          description={JSON.stringify(applied) === JSON.stringify(EMPTY) ? "Aucune demande à traiter : les demandes adressées à vos services apparaîtront ici." : "Aucune demande ne correspond à ces filtres."}
        />
      )}
      {items && items.length > 0 && (
        <div className="fr-table fr-table--no-caption">
          <table>
            <caption>Demandes de mes services, par échéance</caption>
            <thead>
              <tr>
                <th scope="col">Échéance</th>
                <th scope="col">Référence</th>
                <th scope="col">Entreprise</th>
                <th scope="col">Objet</th>
                <th scope="col">Impôt</th>
                <th scope="col">État</th>
                <th scope="col">Attribuée à</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Deadline at={r.deadlineAt} overdue={r.overdue} dueSoon={r.dueSoon} />
                  </td>
                  <td>
                    <Link to={`/agent/demandes/${r.id}`}>{r.reference}</Link>
                    {r.unreadCount > 0 && <span className="fr-badge fr-badge--sm fr-badge--new fr-ml-1w">{r.unreadCount} non lu{r.unreadCount > 1 ? "s" : ""}</span>}
                    {r.origin === "administration" && <span className="fr-badge fr-badge--sm fr-badge--info fr-ml-1w">Message de l'administration</span>}
                  </td>
                  <td>
                    <Link to={`/agent/entreprises/${r.siren}`}>{r.companyName}</Link>
                  </td>
                  <td>{r.subject}</td>
                  <td>{r.tax}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{r.assignee?.name ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <Button priority="secondary" onClick={() => void more()}>
          Afficher plus
        </Button>
      )}
    </>
  );
}
