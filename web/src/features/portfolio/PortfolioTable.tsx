import { Link } from "react-router";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { frenchDate, ROLE_LABELS, type PortfolioCompany } from "../../shared/api/types";
import { serviceLabel, useCatalogue } from "../../shared/catalogue";

/** The orders the server offers (GET /api/v1/companies `sort`), each in its one direction. */
export const SORTS = {
  siren: { label: "SIREN", direction: "ascending" },
  name: { label: "Nom", direction: "ascending" },
  unread: { label: "Messages non lus", direction: "descending" },
  openRequests: { label: "Demandes en cours", direction: "descending" },
  lastActivity: { label: "Dernière activité", direction: "descending" },
} as const;
export type SortCode = keyof typeof SORTS;

const plural = (n: number, word: string) => `${n} ${word}${n > 1 ? "s" : ""}`;

/**
 * A column header that sorts the table: a button in the header cell, `aria-sort` saying the order in force (WAI-ARIA
 * sortable table). The server sorts each column one way: names and SIREN A→Z, figures and dates most first.
 */
function SortHeader({ code, sort, onSort }: { code: SortCode; sort: string; onSort: (code: SortCode) => void }) {
  const s = SORTS[code];
  const active = sort === code;
  return (
    <th scope="col" aria-sort={active ? s.direction : "none"}>
      <button
        type="button"
        className={`fr-btn fr-btn--tertiary-no-outline fr-btn--sm fr-btn--icon-right ${active ? (s.direction === "ascending" ? "fr-icon-arrow-up-line" : "fr-icon-arrow-down-line") : "fr-icon-arrow-up-down-line"}`}
        onClick={() => onSort(code)}
        title={active ? `Trié par ${s.label.toLowerCase()}` : `Trier par ${s.label.toLowerCase()}`}
      >
        {s.label}
      </button>
    </th>
  );
}

/**
 * « Mes entreprises » as a compact table: one line per company (SIREN, name, services held, unread, open requests,
 * pending adhesion, last activity), sortable by the orders of the server. It scrolls sideways on a narrow screen
 * (390 px) inside its own focusable region; the company's name opens its page, its figures open its requests.
 */
export function PortfolioTable({ items, total, sort, onSort }: { items: PortfolioCompany[]; total: number; sort: string; onSort: (code: SortCode) => void }) {
  const catalogue = useCatalogue();
  const caption = `Mes entreprises : ${plural(total, "entreprise")}, triées par ${(SORTS[sort as SortCode]?.label ?? "nom").toLowerCase()}`;
  return (
    <div className="fr-table fr-table--sm fr-table--bordered fr-table--no-caption">
      <div className="fr-table__wrapper">
        <div className="fr-table__container">
          {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a region wider than the screen is scrolled with the keyboard */}
          <div className="fr-table__content" style={{ overflowX: "auto" }} tabIndex={0} role="region" aria-label={caption}>
            <table>
              <caption>{caption}</caption>
              <thead>
                <tr>
                  <SortHeader code="siren" sort={sort} onSort={onSort} />
                  <SortHeader code="name" sort={sort} onSort={onSort} />
                  <th scope="col">Services détenus</th>
                  <SortHeader code="unread" sort={sort} onSort={onSort} />
                  <SortHeader code="openRequests" sort={sort} onSort={onSort} />
                  <th scope="col">Adhésion en attente</th>
                  <SortHeader code="lastActivity" sort={sort} onSort={onSort} />
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => {
                  const reads = c.rights.some((r) => r.service === "messagerie");
                  return (
                    <tr key={c.siren}>
                      <td className="fr-text--sm" style={{ whiteSpace: "nowrap" }}>
                        {c.siren}
                      </td>
                      <th scope="row" style={{ fontWeight: "normal" }}>
                        <Link to={`/entreprises/${c.siren}`} id={`entreprise-${c.siren}`}>
                          {c.name}
                        </Link>
                      </th>
                      <td className="fr-text--sm fr-cell--multiline" style={{ minWidth: "18rem" }}>
                        {c.rights.length === 0 ? (
                          "—"
                        ) : (
                          <ul className="mp-inline-list" aria-label={`Services détenus pour ${c.name}`}>
                            {c.rights.map((r) => (
                              <li key={`${r.service}-${r.role}`}>{`${serviceLabel(catalogue, r.service)} (${ROLE_LABELS[r.role] ?? r.role})`}</li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td>
                        {c.unreadCount > 0 ? (
                          <Link
                            to={`/demandes?siren=${c.siren}&unread=true`}
                            aria-label={`${plural(c.unreadCount, "message")} non lu${c.unreadCount > 1 ? "s" : ""} pour ${c.name}`}
                          >
                            <Badge small severity="new">
                              {String(c.unreadCount)}
                            </Badge>
                          </Link>
                        ) : (
                          "0"
                        )}
                      </td>
                      <td>
                        {reads ? (
                          <Link
                            to={`/demandes?siren=${c.siren}`}
                            aria-label={`${plural(c.openRequests, "demande")} en cours pour ${c.name} : voir ses demandes`}
                          >
                            {c.openRequests}
                          </Link>
                        ) : (
                          "—"
                        )}
                      </td>
                      <td>
                        {c.pendingAdhesions > 0 ? (
                          <Badge small severity="info">
                            {c.pendingAdhesions > 1 ? `${c.pendingAdhesions} en attente` : "en attente"}
                          </Badge>
                        ) : (
                          "—"
                        )}
                      </td>
                      <td className="fr-text--sm" style={{ whiteSpace: "nowrap" }}>
                        {c.lastActivityAt ? frenchDate(c.lastActivityAt) : "—"}
                      </td>
                      <td>
                        {reads && (
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
        </div>
      </div>
    </div>
  );
}
