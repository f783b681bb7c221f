import { useState, type FormEvent } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import { Checkbox } from "@codegouvfr/react-dsfr/Checkbox";
import { CompanyCombobox } from "../../shared/components/CompanyCombobox";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { frenchDate, NATURES, REQUEST_STATUS_LABELS, TAXES } from "../../shared/api/types";
import { ErrorAlert, Page } from "../../shared/components/page";
import { useSession } from "../../shared/session";
import { MoreButton, useKeysetList } from "../../shared/query";
import { inboxPage, requestKeys } from "./queries";

const FILTERS = ["q", "siren", "tax", "nature", "status", "unread", "followedBy", "from", "to"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/**
 * « Suivre mes demandes »: one inbox across every company and tax, newest activity first. The filters live in the
 * address: a filtered inbox can be shared or bookmarked, and the back button restores the previous one.
 */
export function Inbox() {
  const { person } = useSession();
  const [params, setParams] = useSearchParams();
  const applied = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ""])) as Filters;
  const [filters, setFilters] = useState<Filters>(applied);
  const key = FILTERS.map((k) => params.get(k) ?? "").join("|");
  // The form follows the address (back and forward buttons): adjusted while rendering, as React advises.
  const [formFor, setFormFor] = useState(key);
  // The company field keeps what was typed in it until it is drawn anew: a new one when the address names another
  // company than the form (back, forward) and when the filters are cleared, so that it never shows a company, or
  // the start of a name, that no longer filters anything.
  const [companyField, setCompanyField] = useState(0);
  if (formFor !== key) {
    setFormFor(key);
    setFilters(applied);
    if (applied.siren !== filters.siren) setCompanyField((n) => n + 1);
  }
  // The live events refresh it (shared/live.ts): what moved comes first, by last activity.
  const list = useKeysetList(requestKeys.list(applied), (cursor, signal) => inboxPage(applied, cursor, signal), Boolean(person));
  const items = list.items;
  if (person === null) return <Navigate to="/connexion" replace />;
  const apply = (f: Filters) => {
    const p = new URLSearchParams();
    for (const k of FILTERS) if (f[k].trim()) p.set(k, f[k].trim());
    setParams(p);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(filters);
  };
  const active = FILTERS.filter((k) => applied[k]).length;
  return (
    <Page title="Suivre mes demandes" trail={[{ label: "Mon espace", to: "/mon-espace" }]}>
      <p>
        <Link className="fr-btn fr-icon-edit-line fr-btn--icon-left" to="/ecrire">
          Écrire à l'administration
        </Link>
      </p>
      <form onSubmit={submit} role="search" aria-label="Filtrer mes demandes" className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom fr-mb-3w">
        <div className="fr-col-12 fr-col-md-6">
          <Input
            label="Rechercher"
            hintText="Référence, objet ou contenu des messages."
            nativeInputProps={{ type: "search", value: filters.q, onChange: (e) => setFilters({ ...filters, q: e.target.value }) }}
          />
        </div>
        <div className="fr-col-12 fr-col-md-6">
          <CompanyCombobox
            key={companyField}
            label="Entreprise"
            hint="Toutes si vide. Tapez une partie du nom ou le début du SIREN."
            value={filters.siren}
            onChange={(c) => setFilters({ ...filters, siren: c?.siren ?? "" })}
          />
        </div>
        <div className="fr-col-6 fr-col-md-3">
          <Select label="Impôt" nativeSelectProps={{ value: filters.tax, onChange: (e) => setFilters({ ...filters, tax: e.target.value }) }}>
            <option value="">Tous</option>
            {TAXES.map((t) => (
              <option key={t.code} value={t.code}>
                {t.label}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-6 fr-col-md-3">
          <Select label="Nature" nativeSelectProps={{ value: filters.nature, onChange: (e) => setFilters({ ...filters, nature: e.target.value }) }}>
            <option value="">Toutes</option>
            {NATURES.map((n) => (
              <option key={n.code} value={n.code}>
                {n.label}
              </option>
            ))}
          </Select>
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
        <div className="fr-col-6 fr-col-md-3">
          <Checkbox
            options={[
              {
                label: "Non lus seulement",
                nativeInputProps: { checked: filters.unread === "true", onChange: (e) => setFilters({ ...filters, unread: e.target.checked ? "true" : "" }) },
              },
            ]}
          />
        </div>
        <div className="fr-col-6 fr-col-md-3">
          <Checkbox
            options={[
              {
                label: "Suivies par moi",
                nativeInputProps: {
                  checked: filters.followedBy === "me",
                  onChange: (e) => setFilters({ ...filters, followedBy: e.target.checked ? "me" : "" }),
                },
              },
            ]}
          />
        </div>
        <div className="fr-col-6 fr-col-md-3">
          <Input
            label="Déposées depuis le"
            nativeInputProps={{ type: "date", value: filters.from, onChange: (e) => setFilters({ ...filters, from: e.target.value }) }}
          />
        </div>
        <div className="fr-col-6 fr-col-md-3">
          <Input label="Jusqu'au" nativeInputProps={{ type: "date", value: filters.to, onChange: (e) => setFilters({ ...filters, to: e.target.value }) }} />
        </div>
        <div className="fr-col-12 fr-col-md-6 fr-mb-3w">
          <ul className="fr-btns-group fr-btns-group--inline">
            <li>
              <Button type="submit" priority="secondary">
                Filtrer
              </Button>
            </li>
            {active > 0 && (
              <li>
                <Button
                  type="button"
                  priority="tertiary"
                  onClick={() => {
                    setCompanyField((n) => n + 1);
                    apply(Object.fromEntries(FILTERS.map((k) => [k, ""])) as Filters);
                  }}
                >
                  Effacer les filtres ({active})
                </Button>
              </li>
            )}
          </ul>
        </div>
      </form>
      <ErrorAlert error={list.error} />
      {items && items.length === 0 && <p>{active > 0 ? "Aucune demande ne correspond à ces filtres." : "Aucune demande."}</p>}
      {items && items.length > 0 && (
        <div className="fr-table fr-table--bordered">
          <table>
            <caption className="fr-sr-only">Mes demandes</caption>
            <thead>
              <tr>
                <th scope="col">Demande</th>
                <th scope="col">Entreprise</th>
                <th scope="col">État</th>
                <th scope="col">Suivie par</th>
                <th scope="col">Dernière activité</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id}>
                  <td>
                    {r.origin === "administration" && (
                      <>
                        <Badge small severity="info" className="fr-mb-1v">
                          Message de l'administration
                        </Badge>
                        <br />
                      </>
                    )}
                    <Link to={`/demandes/${r.id}`} id={`demande-${r.id}`}>
                      {r.subject}
                    </Link>
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
                  <td>
                    {r.followedBy === null ? (
                      <span className="fr-sr-only">Personne</span>
                    ) : r.followedBy.id === person?.id ? (
                      <Badge small severity="info" noIcon>
                        Vous
                      </Badge>
                    ) : (
                      r.followedBy.displayName
                    )}
                  </td>
                  <td>{frenchDate(r.lastActivityAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton list={list} itemId={(r) => `demande-${r.id}`} />
    </Page>
  );
}
