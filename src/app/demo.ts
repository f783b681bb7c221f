import { addTemplateAsOperator } from "../modules/backoffice/index.js";
import { countCompanies, withLuhnKey } from "../modules/companies/index.js";
import { makeActiveSpace, makeAgent, makeCompany, makeSimplifiedAdministrator, makeTaxService, type FactoryDeps, type TaxServiceSpec } from "./factories.js";

/** The password of every demo person (demo data only; never in production). */
export const DEMO_PASSWORD = "Messagerie-Demo-2026";

/** The seed's companies (product §1). */
export const SEED = {
  martin: { siren: "812345676", name: "MARTIN DISTRIBUTION" },
  gestion: { siren: "845123900", name: "CABINET GESTION" },
  concurrence: { siren: "798612347", name: "CONCURRENCE SARL" },
};

export const DEMO_SERVICES: TaxServiceSpec[] = [
  { code: "SIE-75111", type: "SIE", name: "SIE Paris 11e", address: "12 rue Godefroy Cavaignac", postalCode: "75011", city: "PARIS", competence: ["75111", "75112"] },
  { code: "SIE-69381", type: "SIE", name: "SIE Lyon 1er", address: "3 rue de la Charité", postalCode: "69002", city: "LYON", competence: ["69"] },
  { code: "CDIF-75", type: "CDIF", name: "CDIF Paris", address: "6 rue Paul Cézanne", postalCode: "75008", city: "PARIS", competence: ["75"] },
];

export const DEMO_PEOPLE = [
  { email: "robert.lambda@martindistribution.com", firstName: "Robert", lastName: "Lambda", siren: SEED.martin.siren, role: "représentant légal, administrateur de Martin distribution" },
  { email: "cabinet.comptable@gestion.com", firstName: "Claire", lastName: "Vasseur", siren: SEED.gestion.siren, role: "cheffe comptable du cabinet GESTION" },
  { email: "lila.rosemonde@gestion.com", firstName: "Lila", lastName: "Rosemonde", siren: SEED.gestion.siren, role: "employée du cabinet GESTION" },
];

/** Demo agents with fixed TOTP secrets (base 32), so a newcomer can add them to an authenticator application. */
export const DEMO_AGENTS = [
  { email: "agent.paris11@dgfip.demo", name: "Paul Agent", services: ["SIE-75111"], isSupervisor: false, totpSecret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" },
  { email: "superviseur.paris11@dgfip.demo", name: "Sophie Superviseure", services: ["SIE-75111"], isSupervisor: true, totpSecret: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U" },
  { email: "agent.lyon1@dgfip.demo", name: "Louis Agent", services: ["SIE-69381"], isSupervisor: false, totpSecret: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU" },
  { email: "agent.cdif75@dgfip.demo", name: "Camille Agent", services: ["CDIF-75"], isSupervisor: false, totpSecret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" },
];
/** Answer templates of the demo services (variables in double braces are filled from the request). */
export const DEMO_TEMPLATES = [
  {
    serviceCode: "SIE-75111",
    title: "Demande de relevé d'identité bancaire",
    body: "Bonjour,\n\nPour instruire votre demande {{reference}} concernant {{entreprise}}, merci de nous transmettre un relevé d'identité bancaire au nom de l'entreprise, en pièce jointe de votre réponse.\n\nCordialement,\n{{service}}",
  },
  {
    serviceCode: "SIE-75111",
    title: "Remboursement de crédit de TVA accordé",
    body: "Bonjour,\n\nVotre demande {{reference}} du {{date_reception}} est acceptée : le remboursement du crédit de TVA de {{entreprise}} sera versé sur le compte bancaire de l'entreprise dans les prochains jours.\n\nCordialement,\n{{service}}",
  },
  {
    serviceCode: "SIE-75111",
    title: "Accusé de prise en charge",
    body: "Bonjour,\n\nVotre demande {{reference}} est prise en charge par le {{service}}. Une réponse vous sera apportée au plus tard le {{date_limite}}.\n\nCordialement,\n{{service}}",
  },
  {
    serviceCode: "CDIF-75",
    title: "Transmission au service compétent",
    body: "Bonjour,\n\nVotre demande {{reference}} relève d'un autre service : nous la lui transmettons, il vous répondra directement dans votre messagerie.\n\nCordialement,\n{{service}}",
  },
];

export const DEMO_AGENT_PASSWORD = "Demo-Guichet-Fiscal-2026";

/** A small deterministic generator, so that the demo set is the same on every machine. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRADES = ["BOULANGERIE", "GARAGE", "PHARMACIE", "MENUISERIE", "TRANSPORTS", "IMPRIMERIE", "FROMAGERIE", "CONSEIL", "PLOMBERIE", "LIBRAIRIE", "ATELIER", "TRAITEUR"];
const NAMES = ["DUPONT", "MOREAU", "LEFEBVRE", "GARNIER", "FAURE", "ROUSSEL", "BLANC", "GUERIN", "MULLER", "HENRY", "PERRIN", "MOREL", "GIRARD", "ANDRE", "MERCIER", "BONNET"];
const STREETS = [["RUE", "DE LA ROQUETTE"], ["BD", "VOLTAIRE"], ["RUE", "OBERKAMPF"], ["AV", "DE LA REPUBLIQUE"], ["RUE", "DE LA CHARITE"], ["QUA", "SAINT-ANTOINE"], ["PL", "BELLECOUR"]] as const;
const PLACES = [
  { postalCode: "75011", communeName: "PARIS 11", communeCode: "75111" },
  { postalCode: "75012", communeName: "PARIS 12", communeCode: "75112" },
  { postalCode: "69001", communeName: "LYON 1ER", communeCode: "69381" },
  { postalCode: "69002", communeName: "LYON 2E", communeCode: "69382" },
];

export const GENERATED_COMPANIES = 300;

/** Loads the demo data set (product §11) on an empty database. Returns false when data was already there. */
export async function loadDemoData(deps: FactoryDeps & { publicUrl: string }): Promise<boolean> {
  if ((await countCompanies(deps.db)) > 0) return false;
  for (const s of DEMO_SERVICES) await makeTaxService(deps, s);
  await makeCompany(deps, {
    ...SEED.martin, streetNumber: "24", streetType: "RUE", streetName: "DE LA ROQUETTE", postalCode: "75011", communeName: "PARIS 11", communeCode: "75111",
    legalRepresentative: { firstName: "Robert", lastName: "Lambda" },
  });
  await makeCompany(deps, {
    ...SEED.gestion, streetNumber: "8", streetType: "PL", streetName: "BELLECOUR", postalCode: "69002", communeName: "LYON 2E", communeCode: "69382",
    legalRepresentative: { firstName: "Hélène", lastName: "Gestion" },
  });
  await makeCompany(deps, {
    ...SEED.concurrence, streetNumber: "3", streetType: "BD", streetName: "VOLTAIRE", postalCode: "75011", communeName: "PARIS 11", communeCode: "75111",
    legalRepresentative: { firstName: "Marc", lastName: "Rival" },
  });
  const random = prng(20261128);
  const used = new Set(Object.values(SEED).map((c) => c.siren));
  for (let i = 0; i < GENERATED_COMPANIES; i++) {
    let siren: string;
    do siren = withLuhnKey(String(Math.floor(300_000_00 + random() * 600_000_00)));
    while (used.has(siren));
    used.add(siren);
    const street = STREETS[Math.floor(random() * STREETS.length)]!;
    const place = PLACES[Math.floor(random() * PLACES.length)]!;
    await makeCompany(deps, {
      siren,
      name: `${TRADES[Math.floor(random() * TRADES.length)]} ${NAMES[Math.floor(random() * NAMES.length)]}`,
      isActive: random() > 0.05,
      streetNumber: String(1 + Math.floor(random() * 150)),
      streetType: street[0],
      streetName: street[1],
      ...place,
    });
  }
  // Robert Lambda made Martin distribution's space in simplified mode: he administers all its services, and
  // robert.lambda@martindistribution.com is also the company e-mail address. The accounting firm's people have
  // expert spaces without companies yet: the head accountant can adhere to Martin distribution (a letter follows).
  const [robert, ...others] = DEMO_PEOPLE;
  await makeSimplifiedAdministrator(deps, { ...robert!, password: DEMO_PASSWORD });
  for (const p of others) await makeActiveSpace(deps, { ...p, password: DEMO_PASSWORD });
  for (const a of DEMO_AGENTS) await makeAgent(deps, { ...a, password: DEMO_AGENT_PASSWORD });
  for (const t of DEMO_TEMPLATES) await addTemplateAsOperator(deps, t);
  return true;
}

/** The lines the console prints at start-up in development. */
export function demoAccountsText(baseUrl: string): string {
  return [
    "Comptes de démonstration",
    `  Espace professionnel (${baseUrl}/connexion), mot de passe ${DEMO_PASSWORD} :`,
    ...DEMO_PEOPLE.map((p) => `    ${p.email.padEnd(40)} ${p.firstName} ${p.lastName}, ${p.role}`),
    "    (le code « nouvel appareil » arrive dans la boîte de test : " + `${baseUrl}/dev/mail)`,
    `  Espace agent (${baseUrl}/agent/connexion), mot de passe ${DEMO_AGENT_PASSWORD} :`,
    ...DEMO_AGENTS.map((a) => `    ${a.email.padEnd(34)} ${a.services.join(",").padEnd(10)} TOTP ${a.totpSecret}${a.isSupervisor ? " (superviseur)" : ""}`),
    "    (code TOTP du moment : npm run cli -- demo-totp <courriel>)",
  ].join("\n");
}
