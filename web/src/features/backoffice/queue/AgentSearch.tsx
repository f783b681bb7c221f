import { Link, useSearchParams } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { SearchBar } from "@codegouvfr/react-dsfr/SearchBar";
import { ErrorAlert } from "../../../shared/components/page";
import { AgentPage, dateTime, Excerpt, StatusBadge } from "../shared/backoffice";
import { useAgentSearch } from "../queries";

/** French full-text search over my services' requests (product §9), ranked, with highlighted excerpts. */
export function AgentSearch() {
  return <AgentPage title="Recherche">{() => <Search />}</AgentPage>;
}

function Search() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  // Asked again when the address changes (a new search, the back button) and on the live events.
  const search = useAgentSearch(q);
  const result = search.data;
  const error = search.error;
  return (
    <>
      <SearchBar
        label="Rechercher dans les références, objets et messages"
        defaultValue={q}
        big
        onButtonClick={(text) => setParams(text.trim() ? { q: text.trim() } : {})}
      />
      <ErrorAlert error={error} />
      {result && (
        <div role="status" className="fr-mt-3w">
          <p>
            {result.capped
              ? `Plus de ${result.total} demandes contiennent ces mots : les plus récentes sont classées. Ajoutez un mot pour préciser la recherche.`
              : `${result.total} demande${result.total > 1 ? "s" : ""} trouvée${result.total > 1 ? "s" : ""}${result.total > result.items.length ? ` (les ${result.items.length} plus pertinentes)` : ""}.`}
          </p>
        </div>
      )}
      {result && result.items.length === 0 && <Alert severity="info" small description="Aucun résultat." />}
      <ol className="fr-raw-list">
        {result?.items.map((h) => (
          <li key={h.id} className="fr-card fr-p-2w fr-mb-2w">
            <p className="fr-mb-1w">
              <Link to={`/agent/demandes/${h.id}`}>{h.reference}</Link> — <Excerpt segments={h.subject} /> <StatusBadge status={h.status} />
            </p>
            <p className="fr-text--sm fr-mb-1w">
              {h.companyName} — {h.tax} — reçue le {dateTime(h.receivedAt)}
            </p>
            {h.excerpt.length > 0 && (
              <p className="fr-text--sm fr-mb-0">
                « <Excerpt segments={h.excerpt} /> »
              </p>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}
