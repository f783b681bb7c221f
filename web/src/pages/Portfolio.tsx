import { useCallback, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { Checkbox } from "@codegouvfr/react-dsfr/Checkbox";
import { api, frenchDate, ROLE_LABELS, type PortfolioCompany } from "../api";
import { ErrorAlert } from "../components";
import { serviceLabel, useCatalogue } from "../catalogue";

type Page = { items: PortfolioCompany[]; nextCursor: string | null; total: number };

const SORTS = [
  { code: "name", label: "Nom" },
  { code: "siren", label: "SIREN" },
  { code: "lastActivity", label: "Dernière activité" },
  { code: "unread", label: "Messages non lus" },
];

/**
 * « Mes entreprises » at portfolio scale: searched, filtered and sorted by the server, 50 at a time, the filters
 * in the address (shareable; the back button restores them).
 */
export function Portfolio({ refreshKey }: { refreshKey: number }) {
  const catalogue = useCatalogue();
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get("q") ?? "");
  const [page, setPage] = useState<Page | undefined>();
  const [error, setError] = useState<unknown>();
  const filters = { q: params.get("q") ?? "", service: params.get("service") ?? "", role: params.get("role") ?? "", hasUnread: params.get("hasUnread") === "true", pendingAdhesion: params.get("pendingAdhesion") === "true", sort: params.get("sort") ?? "name" };
  const query = params.toString();
  const filtered = !!(filters.q || filters.service || filters.role || filters.hasUnread || filters.pendingAdhesion);
  const load = useCallback(
    (cursor?: string) => {
      const p = new URLSearchParams(query);
      for (const k of [...p.keys()]) if (!["q", "service", "role", "hasUnread", "pendingAdhesion", "sort"].includes(k)) p.delete(k);
      p.set("limit", "50");
      if (cursor) p.set("cursor", cursor);
      return api<Page>("GET", `/api/v1/companies?${p.toString()}`);
    },
    [query],
  );
  useEffect(() => {
    load().then(setPage, setError);
  }, [load, refreshKey]);
  // Searching as one types, a moment after the last key.
  useEffect(() => {
    if (text === filters.q) return;
    const timer = setTimeout(() => set({ q: text }), 300);
    return () => clearTimeout(timer);
  }, [text]); // eslint-disable-line react-hooks/exhaustive-deps
  const set = (change: Record<string, string | boolean>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v === "" || v === false || (k === "sort" && v === "name")) next.delete(k);
      else next.set(k, String(v));
    }
    setParams(next, { replace: false });
  };
  const more = () => page?.nextCursor && load(page.nextCursor).then((r) => setPage({ ...r, items: [...page.items, ...r.items] }), setError);

  return (
    <section aria-labelledby="mes-entreprises">
      <div className="fr-grid-row fr-grid-row--middle fr-mb-2w">
        <h2 id="mes-entreprises" className="fr-col fr-mb-0">
          Mes entreprises
        </h2>
        <ul className="fr-btns-group fr-btns-group--inline-md fr-btns-group--sm">
          <li>
            <Link className="fr-btn fr-btn--secondary fr-icon-add-line fr-btn--icon-left" to="/adherer">
              Adhérer à un service
            </Link>
          </li>
          <li>
            <Link className="fr-btn fr-btn--secondary fr-icon-list-unordered fr-btn--icon-left" to="/adherer/en-nombre">
              Adhérer pour plusieurs entreprises
            </Link>
          </li>
          <li>
            <Link className="fr-btn fr-btn--tertiary fr-icon-download-line fr-btn--icon-left" to="/exports">
              Exporter
            </Link>
          </li>
        </ul>
      </div>
      <form role="search" aria-label="Rechercher parmi mes entreprises" onSubmit={(e) => (e.preventDefault(), set({ q: text }))} className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom">
        <div className="fr-col-12 fr-col-md-4">
          <Input label="Rechercher une entreprise" hintText="Début du SIREN, ou mots du nom." nativeInputProps={{ type: "search", value: text, onChange: (e) => setText(e.target.value) }} />
        </div>
        <div className="fr-col-6 fr-col-md-3">
          <Select label="Service détenu" nativeSelectProps={{ value: filters.service, onChange: (e) => set({ service: e.target.value }) }}>
            <option value="">Tous</option>
            {catalogue?.map((s) => (
              <option key={s.code} value={s.code}>
                {s.label}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-6 fr-col-md-2">
          <Select label="Mon rôle" nativeSelectProps={{ value: filters.role, onChange: (e) => set({ role: e.target.value }) }}>
            <option value="">Tous</option>
            {Object.entries(ROLE_LABELS).map(([code, l]) => (
              <option key={code} value={code}>
                {l}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-6 fr-col-md-3">
          <Select label="Trier par" nativeSelectProps={{ value: filters.sort, onChange: (e) => set({ sort: e.target.value }) }}>
            {SORTS.map((s) => (
              <option key={s.code} value={s.code}>
                {s.label}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12">
          <Checkbox
            orientation="horizontal"
            options={[
              { label: "Avec des messages non lus", nativeInputProps: { checked: filters.hasUnread, onChange: (e) => set({ hasUnread: e.target.checked }) } },
              { label: "Avec une adhésion en attente", nativeInputProps: { checked: filters.pendingAdhesion, onChange: (e) => set({ pendingAdhesion: e.target.checked }) } },
            ]}
          />
        </div>
      </form>
      <ErrorAlert error={error} />
      {page && (
        <p role="status" className="fr-text--sm">
          {page.total === 0 ? (filtered ? "Aucune entreprise ne correspond à ces critères." : "") : `${page.total} entreprise${page.total > 1 ? "s" : ""}${page.items.length < page.total ? `, ${page.items.length} affichées` : ""}.`}
        </p>
      )}
      {page && page.total === 0 && !filtered && (
        <Alert
          severity="info"
          title="Aucune entreprise"
          description="Votre espace ne donne encore accès à aucune entreprise. Pour agir pour une entreprise, adhérez à ses services : un code d'activation sera envoyé par courrier à son adresse."
        />
      )}
      {page && page.items.length > 0 && (
        <div className="fr-table fr-table--bordered fr-table--no-caption" style={{ overflowX: "auto" }}>
          <table>
            <caption>Mes entreprises</caption>
            <thead>
              <tr>
                <th scope="col">Entreprise</th>
                <th scope="col">Mes services</th>
                <th scope="col">Non lus</th>
                <th scope="col">Demandes en cours</th>
                <th scope="col">Dernière activité</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((c) => {
                const writes = c.rights.some((r) => r.service === "messagerie");
                return (
                  <tr key={c.siren}>
                    <td>
                      <Link to={`/entreprises/${c.siren}`}>{c.name}</Link>
                      <br />
                      <span className="fr-text--xs">SIREN {c.siren}</span>
                      {c.pendingAdhesions > 0 && (
                        <>
                          {" "}
                          <Badge small severity="info">
                            adhésion en attente
                          </Badge>
                        </>
                      )}
                    </td>
                    <td className="fr-text--sm">
                      {c.rights.length === 0 ? (
                        "—"
                      ) : (
                        <ul className="fr-raw-list" aria-label={`Services détenus pour ${c.name}`}>
                          {c.rights.map((r) => (
                            <li key={`${r.service}-${r.role}`}>{`${serviceLabel(catalogue, r.service)} (${ROLE_LABELS[r.role] ?? r.role})`}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>
                      {c.unreadCount > 0 ? (
                        <Link to={`/demandes?siren=${c.siren}&unread=true`} aria-label={`${c.unreadCount} non lu${c.unreadCount > 1 ? "s" : ""} pour ${c.name}`}>
                          <Badge small severity="new">
                            {`${c.unreadCount} non lu${c.unreadCount > 1 ? "s" : ""}`}
                          </Badge>
                        </Link>
                      ) : (
                        "0"
                      )}
                    </td>
                    <td>{writes ? <Link to={`/demandes?siren=${c.siren}`} aria-label={`${c.openRequests} demande${c.openRequests > 1 ? "s" : ""} en cours pour ${c.name}`}>{c.openRequests}</Link> : "—"}</td>
                    <td>{c.lastActivityAt ? frenchDate(c.lastActivityAt) : "—"}</td>
                    <td>
                      {writes && (
                        <Link className="fr-link fr-text--sm" to={`/ecrire?siren=${c.siren}`} aria-label={`Écrire pour ${c.name}`}>
                          Écrire
                        </Link>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {page?.nextCursor && (
        <Button priority="secondary" onClick={() => void more()}>
          Afficher 50 entreprises de plus
        </Button>
      )}
    </section>
  );
}
