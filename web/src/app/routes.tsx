import { lazy, type ComponentType, type LazyExoticComponent } from "react";
import { Home } from "../features/site/Home";
import { SignIn } from "../features/account/SignIn";
import { NotFound } from "../features/site/NotFound";
import { GoHome } from "./GoHome";

/** A page loaded on demand (its own chunk), from its feature folder. */
const page = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K): LazyExoticComponent<ComponentType> =>
  lazy(() => load().then((m) => ({ default: m[name] })));

/**
 * Every page of the site, in one table: its address and its component. A first visit loads the home page and the
 * sign-in page only; the back office and its dashboard (with the chart library), the bulk tools and the
 * development pages come when opened.
 */
export const ROUTES: { path: string; component: ComponentType }[] = [
  { path: "/", component: Home },
  { path: "/creer-un-espace", component: page(() => import("../features/account/CreateSpace"), "CreateSpace") },
  { path: "/valider-mon-adresse", component: page(() => import("../features/account/VerifySpace"), "VerifySpace") },
  { path: "/connexion", component: SignIn },
  { path: "/connexion/appareil", component: page(() => import("../features/account/DeviceCode"), "DeviceCode") },
  { path: "/mot-de-passe-oublie", component: page(() => import("../features/account/PasswordReset"), "ForgottenPassword") },
  { path: "/mot-de-passe-oublie/nouveau", component: page(() => import("../features/account/PasswordReset"), "NewPassword") },
  { path: "/mon-espace", component: page(() => import("../features/account/MySpace"), "MySpace") },
  { path: "/adherer", component: page(() => import("../features/adhesions/Adhere"), "Adhere") },
  { path: "/adherer/en-nombre", component: page(() => import("../features/adhesions/BulkAdhere"), "BulkAdhere") },
  { path: "/delegations/en-nombre", component: page(() => import("../features/rights/BulkDelegate"), "BulkDelegate") },
  { path: "/equipes", component: page(() => import("../features/teams/Teams"), "Teams") },
  { path: "/equipes/:id", component: page(() => import("../features/teams/TeamPage"), "TeamPage") },
  { path: "/exports", component: page(() => import("../features/exports/Exports"), "Exports") },
  { path: "/autorisation/:uid", component: page(() => import("../features/software/Software"), "Consent") },
  { path: "/logiciels-autorises", component: page(() => import("../features/software/Software"), "AuthorizedSoftware") },
  { path: "/ecrire", component: page(() => import("../features/requests/Write"), "Write") },
  { path: "/demandes", component: page(() => import("../features/requests/Inbox"), "Inbox") },
  { path: "/demandes/:id", component: page(() => import("../features/requests/RequestPage"), "RequestPage") },
  { path: "/entreprises/:siren", component: page(() => import("../features/portfolio/CompanyPage"), "CompanyPage") },
  { path: "/company-email/confirm", component: page(() => import("../features/adhesions/ConfirmCompanyEmail"), "ConfirmCompanyEmail") },
  { path: "/opposition", component: page(() => import("../features/adhesions/Opposition"), "Opposition") },
  { path: "/agent", component: page(() => import("../features/backoffice/queue/AgentHome"), "AgentHome") },
  { path: "/agent/connexion", component: page(() => import("../features/backoffice/shared/AgentSignIn"), "AgentSignIn") },
  { path: "/agent/demandes/:id", component: page(() => import("../features/backoffice/request/AgentRequest"), "AgentRequest") },
  { path: "/agent/entreprises", component: page(() => import("../features/backoffice/desk/DeskSearch"), "DeskSearch") },
  { path: "/agent/entreprises/:siren", component: page(() => import("../features/backoffice/desk/AgentCompany"), "AgentCompany") },
  { path: "/agent/recherche", component: page(() => import("../features/backoffice/queue/AgentSearch"), "AgentSearch") },
  { path: "/agent/tableau-de-bord", component: page(() => import("../features/backoffice/dashboard/AgentDashboard"), "AgentDashboard") },
  { path: "/agent/modeles", component: page(() => import("../features/backoffice/templates/AgentTemplates"), "AgentTemplates") },
  { path: "/agent/ecrire", component: page(() => import("../features/correspondence/AgentWrite"), "AgentWrite") },
  { path: "/agent/attente", component: page(() => import("../features/correspondence/AgentAwaiting"), "AgentAwaiting") },
  { path: "/agent/campagnes", component: page(() => import("../features/correspondence/AgentCampaigns"), "AgentCampaigns") },
  { path: "/agent/campagnes/:id", component: page(() => import("../features/correspondence/AgentCampaigns"), "AgentCampaign") },
  { path: "/dev/mail", component: page(() => import("../features/dev/DevMail"), "DevMail") },
  { path: "/dev/letters", component: page(() => import("../features/dev/DevLetters"), "DevLetters") },
  { path: "/mentions-legales", component: page(() => import("../features/site/Legal"), "LegalNotice") },
  { path: "/donnees-personnelles", component: page(() => import("../features/site/Legal"), "PersonalData") },
  { path: "/gestion-des-cookies", component: page(() => import("../features/site/Legal"), "Cookies") },
  { path: "/plan-du-site", component: page(() => import("../features/site/Legal"), "SiteMap") },
  { path: "/accessibilite", component: page(() => import("../features/site/Legal"), "AccessibilityStatement") },
  { path: "/deconnexion", component: GoHome },
  { path: "*", component: NotFound },
];
