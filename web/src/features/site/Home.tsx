import { Card } from "@codegouvfr/react-dsfr/Card";
import { CallOut } from "@codegouvfr/react-dsfr/CallOut";
import { Page } from "../../shared/components/page";
import { useSession } from "../../shared/session";

export function Home() {
  const { person } = useSession();
  return (
    <Page
      title="La messagerie sécurisée de votre espace professionnel"
      lead="Déposez vos demandes auprès de l'administration fiscale, suivez-les et échangez avec votre service gestionnaire."
    >
      <CallOut title="Une adhésion protégée par courrier" iconId="fr-icon-mail-line">
        L'accès aux services d'une entreprise passe par un code d'activation envoyé par courrier à son adresse. L'entreprise sait ainsi toujours qui demande à
        agir pour elle, et peut s'y opposer.
      </CallOut>
      <div className="fr-grid-row fr-grid-row--gutters fr-mt-4w">
        {person ? (
          <div className="fr-col-12 fr-col-md-6">
            <Card
              title="Mon espace"
              desc={`Bonjour ${person.firstName} : retrouvez vos entreprises et vos demandes.`}
              linkProps={{ to: "/mon-espace" }}
              enlargeLink
            />
          </div>
        ) : (
          <>
            <div className="fr-col-12 fr-col-md-6">
              <Card
                title="Créer mon espace professionnel"
                desc="Pour vous-même ou pour les entreprises que vous accompagnez (mode expert)."
                linkProps={{ to: "/creer-un-espace" }}
                enlargeLink
              />
            </div>
            <div className="fr-col-12 fr-col-md-6">
              <Card
                title="Me connecter"
                desc="Avec votre adresse électronique de connexion et votre mot de passe."
                linkProps={{ to: "/connexion" }}
                enlargeLink
              />
            </div>
          </>
        )}
      </div>
    </Page>
  );
}
