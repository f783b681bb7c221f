import { Link, useSearchParams } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { ErrorAlert } from "../../shared/components/page";
import { MoreButton } from "../../shared/query";
import { useScrollMemory } from "../../shared/scroll";
import { portfolioCsvUrl, portfolioFiltersOf, portfolioSearch, usePortfolio } from "./queries";
import { PortfolioSearch } from "./PortfolioSearch";
import { PortfolioTable } from "./PortfolioTable";

/** A row's group of buttons at its own width: beside a heading that takes the rest of the row, it would be squeezed. */
const UNSHRUNK = { flex: "0 0 auto", maxWidth: "100%" } as const;

/**
 * « Mes entreprises » at portfolio scale: searched, filtered and sorted by the server, 50 at a time, the filters
 * in the address (shareable; the back button restores them, with the pages loaded and the place in the list). The
 * live events and every change of rights or adhesions refresh it (its key starts with "companies").
 */
export function Portfolio() {
  const [params, setParams] = useSearchParams();
  const filters = portfolioFiltersOf(params);
  const filtered = !!(filters.q || filters.service || filters.role || filters.hasUnread || filters.pendingAdhesion);
  const list = usePortfolio(filters);
  const { items, total } = list;
  useScrollMemory(items !== undefined);
  const set = (change: Record<string, string | boolean>) =>
    setParams((before) => {
      const next = new URLSearchParams(before);
      for (const [k, v] of Object.entries(change)) {
        if (v === "" || v === false || (k === "sort" && v === "name")) next.delete(k);
        else next.set(k, String(v));
      }
      return next;
    });
  // Every filter of the page goes, the search included; the order chosen stays.
  const clear = () => setParams(filters.sort !== "name" ? { sort: filters.sort } : {});
  const selection = portfolioSearch({ ...filters, sort: "name" }).toString();

  return (
    <section aria-labelledby="mes-entreprises">
      <div className="fr-grid-row fr-grid-row--middle fr-mb-2w">
        <h2 id="mes-entreprises" className="fr-col fr-mb-0">
          Mes entreprises
        </h2>
        {/* DSFR's small group shows only the icons of its buttons unless it is an « icon-left » group. */}
        <ul className="fr-btns-group fr-btns-group--inline-md fr-btns-group--sm fr-btns-group--icon-left" style={UNSHRUNK}>
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
              Exporter les échanges
            </Link>
          </li>
        </ul>
      </div>
      <PortfolioSearch filters={filters} set={set} />
      <ErrorAlert error={list.error} />
      <div className="fr-grid-row fr-grid-row--middle fr-mb-1w">
        <p role="status" className="fr-col fr-text--sm fr-mb-0">
          {items && total !== undefined
            ? total === 0
              ? filtered
                ? "Aucune entreprise ne correspond à ces critères."
                : ""
              : `${total} entreprise${total > 1 ? "s" : ""}${items.length < total ? `, ${items.length} affichées` : ""}.`
            : ""}
        </p>
        <ul className="fr-btns-group fr-btns-group--inline-md fr-btns-group--sm fr-btns-group--right fr-btns-group--icon-left" style={UNSHRUNK}>
          {filtered && (
            <li>
              <Button priority="tertiary" iconId="fr-icon-close-circle-line" onClick={clear}>
                Effacer les filtres
              </Button>
            </li>
          )}
          {!!total && (
            <>
              <li>
                <a className="fr-btn fr-btn--secondary fr-icon-download-line fr-btn--icon-left" href={portfolioCsvUrl(filters)} download>
                  Exporter en CSV
                </a>
              </li>
              <li>
                <Link
                  className="fr-btn fr-btn--secondary fr-icon-team-line fr-btn--icon-left"
                  to={`/delegations/en-nombre?selection=1${selection ? `&${selection}` : ""}`}
                  title={total > 500 ? "500 entreprises au plus par délégation groupée : affinez les filtres" : undefined}
                >
                  {`Déléguer la sélection (${total})`}
                </Link>
              </li>
            </>
          )}
        </ul>
      </div>
      {total === 0 && !filtered && (
        <Alert
          severity="info"
          title="Aucune entreprise"
          description="Votre espace ne donne encore accès à aucune entreprise. Pour agir pour une entreprise, adhérez à ses services : un code d'activation sera envoyé par courrier à son adresse."
        />
      )}
      {items && items.length > 0 && total !== undefined && <PortfolioTable items={items} total={total} sort={filters.sort} onSort={(sort) => set({ sort })} />}
      <MoreButton list={list} label="Afficher 50 entreprises de plus" itemId={(c) => `entreprise-${c.siren}`} />
    </section>
  );
}
