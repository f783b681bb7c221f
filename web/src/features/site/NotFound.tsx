import { Link } from "react-router";
import { Page } from "../../shared/components/page";

export function NotFound() {
  return (
    <Page title="Page introuvable">
      <p>La page demandée n'existe pas ou a été déplacée.</p>
      <Link to="/" className="fr-link">
        Revenir à l'accueil
      </Link>
    </Page>
  );
}
