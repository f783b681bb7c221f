import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Link, Navigate } from "react-router";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { api, frenchDate, REQUEST_STATUS_LABELS, TAXES, type RequestSummary } from "../api";
import { ErrorAlert, Page } from "../components";
import { useSession } from "../session";
import { useRequestEvents } from "../live";

/** « Suivre mes demandes »: one inbox across every company and tax, newest activity first. */
export function Inbox() {
  const { person } = useSession();
  const [items, setItems] = useState<RequestSummary[] | undefined>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [filters, setFilters] = useState({ q: "", status: "", tax: "" });
  const [applied, setApplied] = useState(filters);
  const query = useCallback(
    (cursor?: string) => {
      const p = new URLSearchParams({ limit: "20" });
      if (applied.q.trim()) p.set("q", applied.q.trim());
      if (applied.status) p.set("status", applied.status);
      if (applied.tax) p.set("tax", applied.tax);
      if (cursor) p.set("cursor", cursor);
      return api<{ items: RequestSummary[]; nextCursor: string | null }>("GET", `/api/v1/requests?${p.toString()}`);
    },
    [applied],
  );
  useEffect(() => {
    if (!person) return;
    query().then((r) => (setItems(r.items), setNext(r.nextCursor)), setError);
  }, [person, query]);
  // Live: a change anywhere reloads the first page (what moved comes first, by last activity).
  const refresh = useCallback(() => {
    query().then((r) => (setItems(r.items), setNext(r.nextCursor)), setError);
  }, [query]);
  useRequestEvents(refresh, !!person);
  if (person === null) return <Navigate to="/connexion" replace />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied(filters);
  };
  return (
    <Page title="Suivre mes demandes">
      <p>
        <Link className="fr-btn fr-icon-edit-line fr-btn--icon-left" to="/ecrire">
          Écrire à l'administration
        </Link>
      </p>
      <form onSubmit={submit} role="search" className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom fr-mb-3w">
        <div className="fr-col-12 fr-col-md-5">
          <Input label="Rechercher" hintText="Référence, objet ou contenu des messages." nativeInputProps={{ type: "search", value: filters.q, onChange: (e) => setFilters({ ...filters, q: e.target.value }) }} />
        </div>
        <div className="fr-col-6 fr-col-md-3">
          <Select label="État" nativeSelectProps={{ value: filters.status, onChange: (e) => setFilters({ ...filters, status: e.target.value }) }}>
            <option value="">Tous</option>
            {Object.entries(REQUEST_STATUS_LABELS).map(([code, label]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-6 fr-col-md-2">
          <Select label="Impôt" nativeSelectProps={{ value: filters.tax, onChange: (e) => setFilters({ ...filters, tax: e.target.value }) }}>
            <option value="">Tous</option>
            {TAXES.map((t) => (
              <option key={t.code} value={t.code}>
                {t.label}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-2 fr-mb-3w">
          <Button type="submit" priority="secondary">
            Filtrer
          </Button>
        </div>
      </form>
      <ErrorAlert error={error} />
      {items && items.length === 0 && <p>Aucune demande.</p>}
      {items && items.length > 0 && (
        <div className="fr-table fr-table--bordered">
          <table>
            <caption className="fr-sr-only">Mes demandes</caption>
            <thead>
              <tr>
                <th scope="col">Demande</th>
                <th scope="col">Entreprise</th>
                <th scope="col">État</th>
                <th scope="col">Dernière activité</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/demandes/${r.id}`}>{r.subject}</Link>
                    <br />
                    <span className="fr-text--xs">
                      {r.reference} — {r.tax}
                    </span>{" "}
                    {r.unreadCount > 0 && (
                      <Badge small severity="new">
                        {r.unreadCount} non lu{r.unreadCount > 1 ? "s" : ""}
                      </Badge>
                    )}
                  </td>
                  <td>{r.companyName}</td>
                  <td>{REQUEST_STATUS_LABELS[r.status]}</td>
                  <td>{frenchDate(r.lastActivityAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <Button priority="secondary" onClick={() => void query(next).then((r) => (setItems([...(items ?? []), ...r.items]), setNext(r.nextCursor)), setError)}>
          Afficher plus
        </Button>
      )}
    </Page>
  );
}
