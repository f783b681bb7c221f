import { Link } from "react-router";
import { Page } from "../../shared/components/page";

/** « Mentions légales » (required in the footer of a State site). */
export function LegalNotice() {
  return (
    <Page title="Mentions légales">
      <h2 className="fr-h4">Éditeur</h2>
      <p>
        Messagerie Pro est éditée par la direction générale des Finances publiques (DGFiP), 139 rue de Bercy, 75012 Paris. Directeur de la publication : le
        directeur général des Finances publiques.
      </p>
      <h2 className="fr-h4">Hébergement</h2>
      <p>Le service est hébergé sur l'infrastructure de l'administration, en France. Aucune donnée n'est hébergée hors de l'Union européenne.</p>
      <h2 className="fr-h4">Licence des contenus</h2>
      <p>Sauf mention contraire, les textes de ce site sont publiés sous la Licence Ouverte / Open Licence 2.0 (Etalab).</p>
      <h2 className="fr-h4">Documentation de l'API</h2>
      <p>
        Les logiciels qui agissent pour les entreprises trouvent le contrat de l'API dans la <a href="/api/docs">documentation de l'API</a>.
      </p>
    </Page>
  );
}

/** « Données personnelles » : what is kept, why, how long, and the person's rights (RGPD). */
export function PersonalData() {
  return (
    <Page title="Données personnelles">
      <p>
        Le traitement est mis en œuvre par la DGFiP pour l'exécution de sa mission de service public (article 6-1-e du règlement général sur la protection des
        données).
      </p>
      <h2 className="fr-h4">Données traitées</h2>
      <ul>
        <li>votre identité et vos coordonnées (adresse de connexion, téléphone), le SIREN de l'entité à laquelle vous appartenez ;</li>
        <li>les habilitations que vous détenez ou donnez, les adhésions que vous demandez ;</li>
        <li>vos demandes, vos messages et leurs pièces jointes ;</li>
        <li>le journal de vos actions (date, adresse IP), conservé pour la sécurité du service.</li>
      </ul>
      <h2 className="fr-h4">Durées de conservation</h2>
      <ul>
        <li>les demandes sont archivées 4 ans après leur clôture, puis supprimées 10 ans après, pièces jointes comprises, sauf conservation légale ;</li>
        <li>un espace dont l'adresse n'a pas été validée est supprimé après 7 jours ;</li>
        <li>une habilitation révoquée est effacée un an après sa révocation.</li>
      </ul>
      <h2 className="fr-h4">Vos droits</h2>
      <p>
        Vous pouvez accéder à vos données, les faire rectifier ou limiter leur traitement en écrivant au délégué à la protection des données de la DGFiP. Vous
        pouvez aussi saisir la Commission nationale de l'informatique et des libertés (CNIL).
      </p>
    </Page>
  );
}

/** « Gestion des cookies » : the service sets only the cookies it needs, so there is nothing to consent to. */
export function Cookies() {
  return (
    <Page title="Gestion des cookies">
      <p>Messagerie Pro ne dépose aucun cookie de mesure d'audience ni de publicité : aucun consentement ne vous est donc demandé.</p>
      <p>Les seuls cookies déposés sont nécessaires au service :</p>
      <ul>
        <li>le cookie de session, qui vous garde connecté (30 minutes sans activité, 12 heures au plus) ;</li>
        <li>le cookie de l'appareil reconnu, qui vous évite de saisir un code à chaque connexion (6 mois) ;</li>
        <li>le cookie de session de l'espace agent, pour les agents de l'administration.</li>
      </ul>
      <p>Ils sont protégés (HttpOnly, Secure, SameSite) et ne servent à rien d'autre.</p>
    </Page>
  );
}

/** « Plan du site ». */
export function SiteMap() {
  return (
    <Page title="Plan du site">
      <ul>
        <li>
          <Link to="/">Accueil</Link>
        </li>
        <li>
          <Link to="/creer-un-espace">Créer mon espace professionnel</Link>
        </li>
        <li>
          <Link to="/connexion">Se connecter</Link> — <Link to="/mot-de-passe-oublie">Mot de passe oublié</Link>
        </li>
        <li>
          Mon espace : <Link to="/mon-espace">Mes entreprises</Link>, <Link to="/ecrire">Écrire</Link>, <Link to="/demandes">Suivre mes demandes</Link>,{" "}
          <Link to="/adherer">Adhérer</Link>, <Link to="/adherer/en-nombre">Adhérer en nombre</Link>,{" "}
          <Link to="/delegations/en-nombre">Déléguer en nombre</Link>, <Link to="/exports">Exports</Link>
        </li>
        <li>
          <Link to="/opposition">S'opposer à une demande d'adhésion</Link>
        </li>
        <li>
          <Link to="/agent/connexion">Espace agent</Link>
        </li>
        <li>
          <Link to="/mentions-legales">Mentions légales</Link>, <Link to="/donnees-personnelles">Données personnelles</Link>,{" "}
          <Link to="/gestion-des-cookies">Gestion des cookies</Link>, <Link to="/accessibilite">Accessibilité</Link>
        </li>
      </ul>
    </Page>
  );
}

/** The accessibility declaration (RGAA 4.1): the state of conformity, what is not accessible, how to report it. */
export function AccessibilityStatement() {
  return (
    <Page title="Déclaration d'accessibilité">
      <p>La DGFiP s'engage à rendre Messagerie Pro accessible, conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005.</p>
      <h2 className="fr-h4">État de conformité</h2>
      <p>
        Messagerie Pro est <strong>partiellement conforme</strong> au référentiel général d'amélioration de l'accessibilité (RGAA 4.1) : un audit complet n'a
        pas encore été réalisé. Chaque page des deux espaces est vérifiée automatiquement (WCAG 2.1 niveaux A et AA) à chaque version, dans son état normal et
        dans son état d'erreur, et les parcours de connexion et d'écriture se font au clavier seul.
      </p>
      <h2 className="fr-h4">Contenus non accessibles</h2>
      <ul>
        <li>les graphiques du tableau de bord des superviseurs sont doublés d'un tableau de données, seul lu par les lecteurs d'écran ;</li>
        <li>les courriers PDF d'activation ne sont pas balisés pour les lecteurs d'écran ; leur contenu est repris dans l'espace.</li>
      </ul>
      <h2 className="fr-h4">Retour d'information et contact</h2>
      <p>
        Si vous n'arrivez pas à accéder à un contenu ou à un service, écrivez-nous depuis la messagerie (nature « Autre demande ») : nous vous répondrons et
        vous donnerons l'information sous une autre forme.
      </p>
      <h2 className="fr-h4">Voies de recours</h2>
      <p>
        Si vous n'obtenez pas de réponse, vous pouvez saisir le Défenseur des droits (formulaire en ligne, ou courrier gratuit, sans affranchissement :
        Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07).
      </p>
    </Page>
  );
}
