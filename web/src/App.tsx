import { Header } from "@codegouvfr/react-dsfr/Header";
import { Footer } from "@codegouvfr/react-dsfr/Footer";
import { SkipLinks } from "@codegouvfr/react-dsfr/SkipLinks";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { SessionProvider, useSession } from "./session";
import { Home } from "./pages/Home";
import { SignIn } from "./pages/SignIn";
import { NotFound } from "./pages/NotFound";
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { api } from "./api";
import { useRequestEvents } from "./live";

/**
 * Pages loaded on demand (their own chunks): a first visit loads the home page and the sign-in page only; the back
 * office and its dashboard (with the chart library), the bulk tools and the development pages come when opened.
 */
const CreateSpace = lazy(() => import("./pages/CreateSpace").then((m) => ({ default: m.CreateSpace })));
const VerifySpace = lazy(() => import("./pages/VerifySpace").then((m) => ({ default: m.VerifySpace })));
const DeviceCode = lazy(() => import("./pages/DeviceCode").then((m) => ({ default: m.DeviceCode })));
const MySpace = lazy(() => import("./pages/MySpace").then((m) => ({ default: m.MySpace })));
const Adhere = lazy(() => import("./pages/Adhere").then((m) => ({ default: m.Adhere })));
const ConfirmCompanyEmail = lazy(() => import("./pages/ConfirmCompanyEmail").then((m) => ({ default: m.ConfirmCompanyEmail })));
const Opposition = lazy(() => import("./pages/Opposition").then((m) => ({ default: m.Opposition })));
const CompanyPage = lazy(() => import("./pages/CompanyPage").then((m) => ({ default: m.CompanyPage })));
const Write = lazy(() => import("./pages/Write").then((m) => ({ default: m.Write })));
const Inbox = lazy(() => import("./pages/Inbox").then((m) => ({ default: m.Inbox })));
const RequestPage = lazy(() => import("./pages/RequestPage").then((m) => ({ default: m.RequestPage })));
const LegalNotice = lazy(() => import("./pages/Legal").then((m) => ({ default: m.LegalNotice })));
const PersonalData = lazy(() => import("./pages/Legal").then((m) => ({ default: m.PersonalData })));
const Cookies = lazy(() => import("./pages/Legal").then((m) => ({ default: m.Cookies })));
const SiteMap = lazy(() => import("./pages/Legal").then((m) => ({ default: m.SiteMap })));
const AccessibilityStatement = lazy(() => import("./pages/Legal").then((m) => ({ default: m.AccessibilityStatement })));
const ForgottenPassword = lazy(() => import("./pages/PasswordReset").then((m) => ({ default: m.ForgottenPassword })));
const NewPassword = lazy(() => import("./pages/PasswordReset").then((m) => ({ default: m.NewPassword })));
const AgentSignIn = lazy(() => import("./pages/AgentSignIn").then((m) => ({ default: m.AgentSignIn })));
const AgentHome = lazy(() => import("./pages/AgentHome").then((m) => ({ default: m.AgentHome })));
const AgentRequest = lazy(() => import("./pages/AgentRequest").then((m) => ({ default: m.AgentRequest })));
const AgentCompany = lazy(() => import("./pages/AgentCompany").then((m) => ({ default: m.AgentCompany })));
const AgentSearch = lazy(() => import("./pages/AgentSearch").then((m) => ({ default: m.AgentSearch })));
const AgentDashboard = lazy(() => import("./pages/AgentDashboard").then((m) => ({ default: m.AgentDashboard })));
const AgentWrite = lazy(() => import("./pages/AgentWrite").then((m) => ({ default: m.AgentWrite })));
const AgentAwaiting = lazy(() => import("./pages/AgentAwaiting").then((m) => ({ default: m.AgentAwaiting })));
const AgentCampaigns = lazy(() => import("./pages/AgentCampaigns").then((m) => ({ default: m.AgentCampaigns })));
const AgentCampaign = lazy(() => import("./pages/AgentCampaigns").then((m) => ({ default: m.AgentCampaign })));
const DevMail = lazy(() => import("./pages/DevMail").then((m) => ({ default: m.DevMail })));
const DevLetters = lazy(() => import("./pages/DevLetters").then((m) => ({ default: m.DevLetters })));
const BulkAdhere = lazy(() => import("./pages/BulkAdhere").then((m) => ({ default: m.BulkAdhere })));
const BulkDelegate = lazy(() => import("./pages/BulkDelegate").then((m) => ({ default: m.BulkDelegate })));
const Exports = lazy(() => import("./pages/Exports").then((m) => ({ default: m.Exports })));
const Consent = lazy(() => import("./pages/Software").then((m) => ({ default: m.Consent })));
const AuthorizedSoftware = lazy(() => import("./pages/Software").then((m) => ({ default: m.AuthorizedSoftware })));

/** Whether this server offers the development tools (test mails and letters): never in production. */
function useDevTools(): boolean {
  const [on, setOn] = useState(false);
  useEffect(() => {
    api<{ devTools?: boolean }>("GET", "/api/v1/health").then((h) => setOn(h.devTools === true), () => setOn(false));
  }, []);
  return on;
}

function Layout() {
  const { person, agent, signOut, agentSignOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const inBackOffice = location.pathname.startsWith("/agent");
  const devTools = useDevTools();
  // The person's unread messages over all her companies, in the header; kept fresh by the live events.
  const [unread, setUnread] = useState<number | undefined>();
  const refreshUnread = useCallback(() => {
    if (person && !inBackOffice) api<{ unread: number }>("GET", "/api/v1/companies/summary").then((r) => setUnread(r.unread), () => setUnread(undefined));
  }, [person, inBackOffice]);
  useEffect(refreshUnread, [refreshUnread, location.pathname]);
  useRequestEvents(refreshUnread, !!person && !inBackOffice);
  // Leave the protected page first, so that it does not redirect to the sign-in page once the session is gone.
  const signOutTo = (end: () => Promise<void>, to: string) => {
    navigate(to);
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
      <SkipLinks links={[{ anchor: "#contenu", label: "Contenu" }, { anchor: "#pied-de-page", label: "Pied de page" }]} />
      <Header
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
                { text: "Mes entreprises", linkProps: { to: "/mon-espace" }, isActive: location.pathname === "/mon-espace" || location.pathname.startsWith("/entreprises") },
                { text: "Écrire", linkProps: { to: "/ecrire" }, isActive: location.pathname === "/ecrire" },
                { text: "Suivre mes demandes", linkProps: { to: "/demandes" }, isActive: location.pathname.startsWith("/demandes") },
                { text: "Adhérer en nombre", linkProps: { to: "/adherer/en-nombre" }, isActive: location.pathname.startsWith("/adherer") },
                { text: "Déléguer en nombre", linkProps: { to: "/delegations/en-nombre" }, isActive: location.pathname.startsWith("/delegations") },
                { text: "Exports", linkProps: { to: "/exports" }, isActive: location.pathname === "/exports" },
                { text: "Logiciels autorisés", linkProps: { to: "/logiciels-autorises" }, isActive: location.pathname === "/logiciels-autorises" },
              ]
            : undefined
        }
      />
      <main id="contenu" role="main" tabIndex={-1}>
        <Suspense fallback={<p className="fr-container fr-my-6w">Chargement de la page…</p>}>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/creer-un-espace" element={<CreateSpace />} />
          <Route path="/valider-mon-adresse" element={<VerifySpace />} />
          <Route path="/connexion" element={<SignIn />} />
          <Route path="/connexion/appareil" element={<DeviceCode />} />
          <Route path="/mot-de-passe-oublie" element={<ForgottenPassword />} />
          <Route path="/mot-de-passe-oublie/nouveau" element={<NewPassword />} />
          <Route path="/mon-espace" element={<MySpace />} />
          <Route path="/adherer" element={<Adhere />} />
          <Route path="/adherer/en-nombre" element={<BulkAdhere />} />
          <Route path="/delegations/en-nombre" element={<BulkDelegate />} />
          <Route path="/exports" element={<Exports />} />
          <Route path="/autorisation/:uid" element={<Consent />} />
          <Route path="/logiciels-autorises" element={<AuthorizedSoftware />} />
          <Route path="/ecrire" element={<Write />} />
          <Route path="/demandes" element={<Inbox />} />
          <Route path="/demandes/:id" element={<RequestPage />} />
          <Route path="/entreprises/:siren" element={<CompanyPage />} />
          <Route path="/company-email/confirm" element={<ConfirmCompanyEmail />} />
          <Route path="/opposition" element={<Opposition />} />
          <Route path="/agent" element={<AgentHome />} />
          <Route path="/agent/connexion" element={<AgentSignIn />} />
          <Route path="/agent/demandes/:id" element={<AgentRequest />} />
          <Route path="/agent/entreprises/:siren" element={<AgentCompany />} />
          <Route path="/agent/recherche" element={<AgentSearch />} />
          <Route path="/agent/tableau-de-bord" element={<AgentDashboard />} />
          <Route path="/agent/ecrire" element={<AgentWrite />} />
          <Route path="/agent/attente" element={<AgentAwaiting />} />
          <Route path="/agent/campagnes" element={<AgentCampaigns />} />
          <Route path="/agent/campagnes/:id" element={<AgentCampaign />} />
          <Route path="/dev/mail" element={<DevMail />} />
          <Route path="/dev/letters" element={<DevLetters />} />
          <Route path="/mentions-legales" element={<LegalNotice />} />
          <Route path="/donnees-personnelles" element={<PersonalData />} />
          <Route path="/gestion-des-cookies" element={<Cookies />} />
          <Route path="/plan-du-site" element={<SiteMap />} />
          <Route path="/accessibilite" element={<AccessibilityStatement />} />
          <Route path="/deconnexion" element={<Navigate to="/" replace />} />
          <Route path="*" element={<NotFound />} />
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
            { text: "Documentation de l'API", linkProps: { href: "/api/docs" } },
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

export function App() {
  return (
    <SessionProvider>
      <Layout />
    </SessionProvider>
  );
}
