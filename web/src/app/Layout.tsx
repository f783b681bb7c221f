import { useQuery } from "@tanstack/react-query";
import { Header } from "@codegouvfr/react-dsfr/Header";
import { Footer } from "@codegouvfr/react-dsfr/Footer";
import { SkipLinks } from "@codegouvfr/react-dsfr/SkipLinks";
import { Suspense } from "react";
import { Route, Routes, useLocation, useNavigate } from "react-router";
import { client, ok } from "../shared/api/client";
import { useLiveInvalidation } from "../shared/live";
import { useSession } from "../shared/session";
import { ROUTES } from "./routes";

/**
 * What the live events of each side refresh: on the company side, the requests (lists and pages) and the
 * companies (unread counts); in the back office, its queues and requests.
 */
const COMPANY_LIVE = [["requests"], ["companies"]];
const BACKOFFICE_LIVE = [["backoffice"]];

/** Whether this server offers the development tools (test mails and letters): never in production. */
function useDevTools(): boolean {
  const health = useQuery({ queryKey: ["health"], queryFn: ({ signal }) => ok(client.GET("/api/v1/health", { signal })), staleTime: Infinity });
  return health.data?.devTools === true;
}

export function Layout() {
  const { person, agent, signOut, agentSignOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const inBackOffice = location.pathname.startsWith("/agent");
  const devTools = useDevTools();
  // The person's unread messages over all her companies, in the header; kept fresh by the live events.
  const summary = useQuery({
    queryKey: ["companies", "summary"],
    queryFn: ({ signal }) => ok(client.GET("/api/v1/companies/summary", { signal })),
    enabled: Boolean(person) && !inBackOffice,
  });
  const unread = summary.data?.unread;
  // One stream of live events per side, feeding the query cache (shared/live.ts).
  useLiveInvalidation("/api/v1/events", COMPANY_LIVE, Boolean(person) && !inBackOffice);
  useLiveInvalidation("/api/v1/backoffice/events", BACKOFFICE_LIVE, Boolean(agent) && inBackOffice);
  // Leave the protected page first, so that it does not redirect to the sign-in page once the session is gone.
  const signOutTo = (end: () => Promise<void>, to: string) => {
    void navigate(to);
    void end();
  };
  const quickAccessItems = inBackOffice
    ? agent
      ? [
          { iconId: "fr-icon-user-line" as const, text: agent.name, linkProps: { to: "/agent" } },
          { iconId: "fr-icon-logout-box-r-line" as const, text: "Se déconnecter", buttonProps: { onClick: () => signOutTo(agentSignOut, "/agent/connexion") } },
        ]
      : [{ iconId: "fr-icon-lock-line" as const, text: "Connexion agent", linkProps: { to: "/agent/connexion" } }]
    : person
      ? [
          {
            iconId: "fr-icon-mail-line" as const,
            text: unread ? `Mes demandes (${unread} non lu${unread > 1 ? "s" : ""})` : "Mes demandes",
            linkProps: { to: unread ? "/demandes?unread=true" : "/demandes" },
          },
          { iconId: "fr-icon-account-circle-line" as const, text: "Mon espace", linkProps: { to: "/mon-espace" } },
          { iconId: "fr-icon-logout-box-r-line" as const, text: "Se déconnecter", buttonProps: { onClick: () => signOutTo(signOut, "/") } },
        ]
      : [
          { iconId: "fr-icon-add-circle-line" as const, text: "Créer mon espace", linkProps: { to: "/creer-un-espace" } },
          { iconId: "fr-icon-lock-line" as const, text: "Se connecter", linkProps: { to: "/connexion" } },
        ];
  return (
    <>
      <SkipLinks
        links={[
          { anchor: "#contenu", label: "Contenu" },
          { anchor: "#pied-de-page", label: "Pied de page" },
        ]}
      />
      <Header
        // The display settings' dialog has no button to open it on this site: not rendered, its 12 KB of artwork not fetched.
        disableDisplay
        brandTop={
          <>
            RÉPUBLIQUE
            <br />
            FRANÇAISE
          </>
        }
        serviceTitle={inBackOffice ? "Messagerie Pro — espace agent" : "Messagerie Pro"}
        serviceTagline={inBackOffice ? "Traitement des demandes des professionnels" : "La messagerie sécurisée de votre espace professionnel"}
        homeLinkProps={{ to: inBackOffice ? "/agent" : "/", title: "Accueil — Messagerie Pro" }}
        quickAccessItems={quickAccessItems}
        navigation={
          !inBackOffice && person
            ? [
                {
                  text: "Mes entreprises",
                  linkProps: { to: "/mon-espace" },
                  isActive: location.pathname === "/mon-espace" || location.pathname.startsWith("/entreprises"),
                },
                { text: "Écrire", linkProps: { to: "/ecrire" }, isActive: location.pathname === "/ecrire" },
                { text: "Suivre mes demandes", linkProps: { to: "/demandes" }, isActive: location.pathname.startsWith("/demandes") },
                { text: "Adhérer en nombre", linkProps: { to: "/adherer/en-nombre" }, isActive: location.pathname.startsWith("/adherer") },
                { text: "Déléguer en nombre", linkProps: { to: "/delegations/en-nombre" }, isActive: location.pathname.startsWith("/delegations") },
                { text: "Équipes", linkProps: { to: "/equipes" }, isActive: location.pathname.startsWith("/equipes") },
                { text: "Exports", linkProps: { to: "/exports" }, isActive: location.pathname === "/exports" },
                { text: "Logiciels autorisés", linkProps: { to: "/logiciels-autorises" }, isActive: location.pathname === "/logiciels-autorises" },
              ]
            : undefined
        }
      />
      <main id="contenu" role="main" tabIndex={-1}>
        <Suspense fallback={<p className="fr-container fr-my-6w">Chargement de la page…</p>}>
          <Routes>
            {ROUTES.map(({ path, component: Component }) => (
              <Route key={path} path={path} element={<Component />} />
            ))}
          </Routes>
        </Suspense>
      </main>
      <div id="pied-de-page">
        <Footer
          accessibility="partially compliant"
          accessibilityLinkProps={{ to: "/accessibilite" }}
          termsLinkProps={{ to: "/mentions-legales" }}
          websiteMapLinkProps={{ to: "/plan-du-site" }}
          contentDescription="Messagerie Pro permet aux entreprises, et aux personnes qui agissent pour elles, de déposer des demandes auprès de l'administration fiscale et d'en suivre le traitement."
          bottomItems={[
            { text: "Données personnelles", linkProps: { to: "/donnees-personnelles" } },
            { text: "Gestion des cookies", linkProps: { to: "/gestion-des-cookies" } },
            { text: "S'opposer à une demande d'adhésion", linkProps: { to: "/opposition" } },
            { text: "Documentation de l'API", linkProps: { to: "/api/docs", reloadDocument: true } },
            ...(devTools
              ? [
                  { text: "Courriels de test", linkProps: { to: "/dev/mail" } },
                  { text: "Courriers de test", linkProps: { to: "/dev/letters" } },
                ]
              : []),
          ]}
        />
      </div>
    </>
  );
}
