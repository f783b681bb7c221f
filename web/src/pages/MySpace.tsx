import { Navigate } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Page } from "../components";
import { useSession } from "../session";

export function MySpace() {
  const { person } = useSession();
  if (person === undefined) return <Page title="Mon espace">Chargement…</Page>;
  if (person === null) return <Navigate to="/connexion" replace />;
  return (
    <Page title="Mon espace" lead={`Bonjour ${person.firstName} ${person.lastName}.`}>
      <dl className="fr-mb-4w">
        <dt className="fr-text--bold">Adresse électronique de connexion</dt>
        <dd>{person.connectionEmail}</dd>
        <dt className="fr-text--bold fr-mt-2w">Numéro d'abonné</dt>
        <dd>{person.subscriberNumber}</dd>
      </dl>
      <h2>Mes entreprises</h2>
      <Alert
        severity="info"
        title="Aucune entreprise"
        description="Votre espace ne donne encore accès à aucune entreprise. Pour agir pour une entreprise, adhérez à ses services : un code d'activation sera envoyé par courrier à son adresse."
      />
    </Page>
  );
}
