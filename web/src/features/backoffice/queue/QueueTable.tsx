import type { RefObject } from "react";
import { Link } from "react-router";
import { dateTime, Deadline, StatusBadge, type QueueItem } from "../shared/backoffice";

export type SortKey = "deadline" | "receivedAt" | "lastActivityAt" | "company";
export const SORT_LABELS: Record<SortKey, string> = {
  deadline: "Échéance",
  receivedAt: "Reçue le",
  lastActivityAt: "Dernière activité",
  company: "Entreprise",
};
/** The order a column takes when first chosen: the most urgent deadline, the newest dates, companies A to Z. */
export const FIRST_ORDER: Record<SortKey, "asc" | "desc"> = { deadline: "asc", receivedAt: "desc", lastActivityAt: "desc", company: "asc" };

/** A column header that sorts: a button inside, the state in `aria-sort` (announced by screen readers). */
function SortHeader({ k, sort, order, onSort }: { k: SortKey; sort: SortKey; order: "asc" | "desc"; onSort: (k: SortKey) => void }) {
  const active = k === sort;
  const next = active ? (order === "asc" ? "décroissant" : "croissant") : FIRST_ORDER[k] === "asc" ? "croissant" : "décroissant";
  return (
    <th scope="col" aria-sort={active ? (order === "asc" ? "ascending" : "descending") : "none"}>
      <button type="button" className="fr-btn fr-btn--tertiary-no-outline fr-btn--sm" onClick={() => onSort(k)} title={`Trier par ordre ${next}`}>
        {SORT_LABELS[k]}
        <span aria-hidden="true">{active ? (order === "asc" ? " ▲" : " ▼") : " ↕"}</span>
      </button>
    </th>
  );
}

/** The id of a row's reference link: « Afficher plus » moves the focus to the first row loaded. */
export const queueRowId = (r: QueueItem) => `file-${r.id}`;

/** A small DSFR checkbox whose label only screen readers read (the row says the rest). */
function RowCheckbox({ id, label, checked, onChange }: { id: string; label: string; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <div className="fr-checkbox-group fr-checkbox-group--sm">
      <input type="checkbox" id={id} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label className="fr-label" htmlFor={id}>
        <span className="fr-sr-only">{label}</span>
      </label>
    </div>
  );
}

/**
 * The queue's table: a box to select each row for the bulk actions, sortable columns, each row's reference a link
 * (j/k move the focus from one to the next).
 */
export function QueueTable({
  items,
  sort,
  order,
  onSort,
  active,
  links,
  selected,
  onSelect,
}: {
  items: QueueItem[];
  sort: SortKey;
  order: "asc" | "desc";
  onSort: (k: SortKey) => void;
  active: number;
  links: RefObject<(HTMLAnchorElement | null)[]>;
  selected: ReadonlySet<string>;
  onSelect: (rows: QueueItem[], on: boolean) => void;
}) {
  const header = (k: SortKey) => <SortHeader k={k} sort={sort} order={order} onSort={onSort} />;
  const all = items.length > 0 && items.every((r) => selected.has(r.id));
  return (
    <div className="fr-table fr-table--no-caption">
      <table>
        <caption>
          Demandes de mes services, triées par {SORT_LABELS[sort].toLowerCase()} ({order === "asc" ? "croissant" : "décroissant"})
        </caption>
        <thead>
          <tr>
            <th scope="col">
              <RowCheckbox id="queue-pick-all" label="Sélectionner toutes les demandes affichées" checked={all} onChange={(on) => onSelect(items, on)} />
            </th>
            {header("deadline")}
            <th scope="col">Référence</th>
            {header("company")}
            <th scope="col">Objet</th>
            <th scope="col">Impôt</th>
            <th scope="col">État</th>
            {header("receivedAt")}
            {header("lastActivityAt")}
            <th scope="col">Attribuée à</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r, i) => (
            <tr key={r.id} aria-current={i === active ? "true" : undefined} className={i === active ? "fr-background-alt--blue-france" : undefined}>
              <td>
                <RowCheckbox
                  id={`queue-pick-${r.id}`}
                  label={`Sélectionner ${r.reference}`}
                  checked={selected.has(r.id)}
                  onChange={(on) => onSelect([r], on)}
                />
              </td>
              <td>
                <Deadline at={r.deadlineAt} overdue={r.overdue} dueSoon={r.dueSoon} />
              </td>
              <td>
                <Link
                  to={`/agent/demandes/${r.id}`}
                  id={queueRowId(r)}
                  ref={(el) => {
                    links.current[i] = el;
                  }}
                >
                  {r.reference}
                </Link>
                {r.unreadCount > 0 && (
                  <span className="fr-badge fr-badge--sm fr-badge--new fr-ml-1w">
                    {r.unreadCount} non lu{r.unreadCount > 1 ? "s" : ""}
                  </span>
                )}
                {r.origin === "administration" && <span className="fr-badge fr-badge--sm fr-badge--info fr-ml-1w">Message de l'administration</span>}
                {r.origin === "campaign" && <span className="fr-badge fr-badge--sm fr-badge--info fr-ml-1w">Campagne</span>}
              </td>
              <td>
                <Link to={`/agent/entreprises/${r.siren}`}>{r.companyName}</Link>
              </td>
              <td>{r.subject}</td>
              <td>{r.tax}</td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>{dateTime(r.receivedAt)}</td>
              <td>{dateTime(r.lastActivityAt)}</td>
              <td>{r.assignee?.name ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
