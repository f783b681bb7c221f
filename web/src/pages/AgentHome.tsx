import { Navigate } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Page } from "../components";
import { useSession } from "../session";

export function AgentHome() {
  const { agent } = useSession();
  if (agent === undefined) return <Page title="Espace agent">Chargement…</Page>;
  if (agent === null) return <Navigate to="/agent/connexion" replace />;
  return (
    <Page title="Espace agent" lead={`Bonjour ${agent.name}${agent.isSupervisor ? " (superviseur)" : ""}.`}>
      <h2>Mes services</h2>
      <ul>
        {agent.services.map((s) => (
          <li key={s.code}>
            {s.name} <span className="fr-text--sm">({s.code})</span>
          </li>
        ))}
      </ul>
      <Alert severity="info" title="Aucune demande à traiter" description="Les demandes adressées à vos services apparaîtront ici." />
    </Page>
  );
}
