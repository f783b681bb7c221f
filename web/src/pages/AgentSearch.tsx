import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { SearchBar } from "@codegouvfr/react-dsfr/SearchBar";
import { api, type Item, type Reply } from "../api";
import { ErrorAlert } from "../components";
import { AgentPage, dateTime, Excerpt, StatusBadge, type Segment, type Status } from "../backoffice";

type Hit = Item<Reply<"/api/v1/backoffice/search", "get">>;

/** French full-text search over my services' requests (product §9), ranked, with highlighted excerpts. */
export function AgentSearch() {
  return <AgentPage title="Recherche">{() => <Search />}</AgentPage>;
}

function Search() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const [result, setResult] = useState<{ items: Hit[]; total: number; capped: boolean } | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (!q.trim()) return;
    setResult(undefined);
    api<{ items: Hit[]; total: number; capped: boolean }>("GET", `/api/v1/backoffice/search?q=${encodeURIComponent(q)}`).then(
      (r) => {
        setResult(r);
        setError(undefined);
      },
      setError,
    );
  }, [q]);
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
