import { Link } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { ROLE_LABELS, serviceLabel, taxLabel } from "../../../shared/api/types";
import { ADHESION_STATUS_LABELS, AGENT_STATUS_LABELS, type AgentRequest as Detail } from "../shared/backoffice";

/** Beside the thread: the company, who acts for it, its adhesions and its other requests in my services. */
export function CompanyContext({ r }: { r: Detail }) {
  return (
    <aside className="fr-col-12 fr-col-lg-4" aria-labelledby="contexte">
      <h2 id="contexte" className="fr-h5">
        L'entreprise
      </h2>
      <p>
        <strong>{r.company.name}</strong>
        <br />
        SIREN {r.company.siren}
        {r.company.address && (
          <>
            <br />
            {r.company.address}
          </>
        )}
      </p>
      <p>
        <Link to={`/agent/entreprises/${r.siren}`}>Guichet des adhésions de l'entreprise</Link>
      </p>
      {r.company.oppositions > 0 && <Alert severity="warning" small description={`${r.company.oppositions} opposition(s) à des demandes d'adhésion.`} />}
      <h3 className="fr-h6 fr-mt-2w">Qui agit pour elle</h3>
      <ul>
        {r.company.representatives.map((p, i) => (
          <li key={i}>
            {p.name} — {serviceLabel(p.service)} ({ROLE_LABELS[p.role] ?? p.role}
            {p.taxScope ? `, ${p.taxScope.map(taxLabel).join(", ")}` : ""})
          </li>
        ))}
      </ul>
      <h3 className="fr-h6">Adhésions</h3>
      <ul>
        {r.company.adhesions.map((a) => (
          <li key={a.id}>
            {a.requester} — {ADHESION_STATUS_LABELS[a.status] ?? a.status}
          </li>
        ))}
      </ul>
      <h3 className="fr-h6">Ses autres demandes</h3>
      {r.otherRequests.length === 0 ? (
        <p>Aucune.</p>
      ) : (
        <ul>
          {r.otherRequests.map((o) => (
            <li key={o.id}>
              <Link to={`/agent/demandes/${o.id}`}>{o.reference}</Link> — {o.subject} ({AGENT_STATUS_LABELS[o.status]})
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
