import { Header } from "@codegouvfr/react-dsfr/Header";
import { Footer } from "@codegouvfr/react-dsfr/Footer";
import { SkipLinks } from "@codegouvfr/react-dsfr/SkipLinks";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { SessionProvider, useSession } from "./session";
import { Home } from "./pages/Home";
import { CreateSpace } from "./pages/CreateSpace";
import { VerifySpace } from "./pages/VerifySpace";
import { SignIn } from "./pages/SignIn";
import { ForgottenPassword, NewPassword } from "./pages/PasswordReset";
import { DeviceCode } from "./pages/DeviceCode";
import { MySpace } from "./pages/MySpace";
import { AgentSignIn } from "./pages/AgentSignIn";
import { AgentHome } from "./pages/AgentHome";
import { AgentRequest } from "./pages/AgentRequest";
import { AgentCompany } from "./pages/AgentCompany";
import { AgentSearch } from "./pages/AgentSearch";
import { AgentDashboard } from "./pages/AgentDashboard";
import { DevMail } from "./pages/DevMail";
import { DevLetters } from "./pages/DevLetters";
import { NotFound } from "./pages/NotFound";
import { Adhere } from "./pages/Adhere";
import { ConfirmCompanyEmail } from "./pages/ConfirmCompanyEmail";
import { Opposition } from "./pages/Opposition";
import { CompanyPage } from "./pages/CompanyPage";
import { Write } from "./pages/Write";
import { Inbox } from "./pages/Inbox";
import { RequestPage } from "./pages/RequestPage";
import { BulkAdhere } from "./pages/BulkAdhere";
import { BulkDelegate } from "./pages/BulkDelegate";
import { Exports } from "./pages/Exports";
import { useCallback, useEffect, useState } from "react";
import { api } from "./api";
import { useRequestEvents } from "./live";

function Layout() {
  const { person, agent, signOut, agentSignOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const inBackOffice = location.pathname.startsWith("/agent");
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
              ]
            : undefined
        }
      />
      <main id="contenu" role="main" tabIndex={-1}>
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
          <Route path="/dev/mail" element={<DevMail />} />
          <Route path="/dev/letters" element={<DevLetters />} />
          <Route path="/deconnexion" element={<Navigate to="/" replace />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
      <div id="pied-de-page">
        <Footer
          accessibility="partially compliant"
          contentDescription="Messagerie Pro permet aux entreprises, et aux personnes qui agissent pour elles, de déposer des demandes auprès de l'administration fiscale et d'en suivre le traitement."
          bottomItems={[
            { text: "S'opposer à une demande d'adhésion", linkProps: { to: "/opposition" } },
            { text: "Documentation de l'API", linkProps: { href: "/api/docs" } },
            { text: "Courriels de test", linkProps: { to: "/dev/mail" } },
            { text: "Courriers de test", linkProps: { to: "/dev/letters" } },
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
