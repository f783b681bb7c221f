import { addTemplateAsOperator } from "../modules/backoffice/index.js";
import { countCompanies, withLuhnKey } from "../modules/companies/index.js";
import { addDays } from "date-fns";
import { openThread } from "../modules/correspondence/index.js";
import { parisDay, parisDayLastInstant } from "../platform/paris.js";
import { fileRequest, postAgentMessage, type ReceiptKeys } from "../modules/requests/index.js";
import { addCompanies, createTeam, inviteMember, joinTeam } from "../modules/teams/index.js";
import {
  makeActiveSpace,
  makeAgent,
  makeCompany,
  makePortfolio,
  makeSimplifiedAdministrator,
  makeTaxService,
  type FactoryDeps,
  type TaxServiceSpec,
} from "./factories.js";

/** The password of every demo person (demo data only; never in production). */
export const DEMO_PASSWORD = "Messagerie-Demo-2026";

/** The seed's companies (product §1). */
export const SEED = {
  martin: { siren: "812345676", name: "MARTIN DISTRIBUTION" },
  gestion: { siren: "845123900", name: "CABINET GESTION" },
  concurrence: { siren: "798612347", name: "CONCURRENCE SARL" },
};

export const DEMO_SERVICES: TaxServiceSpec[] = [
  {
    code: "SIE-75111",
    type: "SIE",
    name: "SIE Paris 11e",
    address: "12 rue Godefroy Cavaignac",
    postalCode: "75011",
    city: "PARIS",
    competence: ["75111", "75112"],
  },
  { code: "SIE-69381", type: "SIE", name: "SIE Lyon 1er", address: "3 rue de la Charité", postalCode: "69002", city: "LYON", competence: ["69"] },
  { code: "CDIF-75", type: "CDIF", name: "CDIF Paris", address: "6 rue Paul Cézanne", postalCode: "75008", city: "PARIS", competence: ["75"] },
];

export const DEMO_PEOPLE = [
  {
    email: "robert.lambda@martindistribution.com",
    firstName: "Robert",
    lastName: "Lambda",
    siren: SEED.martin.siren,
    role: "représentant légal, administrateur de Martin distribution",
  },
  { email: "cabinet.comptable@gestion.com", firstName: "Claire", lastName: "Vasseur", siren: SEED.gestion.siren, role: "cheffe comptable du cabinet GESTION" },
  { email: "lila.rosemonde@gestion.com", firstName: "Lila", lastName: "Rosemonde", siren: SEED.gestion.siren, role: "employée du cabinet GESTION" },
];

/** Demo agents with fixed TOTP secrets (base 32), so a newcomer can add them to an authenticator application. */
export const DEMO_AGENTS = [
  { email: "agent.paris11@dgfip.demo", name: "Paul Agent", services: ["SIE-75111"], isSupervisor: false, totpSecret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" },
  {
    email: "superviseur.paris11@dgfip.demo",
    name: "Sophie Superviseure",
    services: ["SIE-75111"],
    isSupervisor: true,
    totpSecret: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
  },
  { email: "agent.lyon1@dgfip.demo", name: "Louis Agent", services: ["SIE-69381"], isSupervisor: false, totpSecret: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU" },
  { email: "agent.cdif75@dgfip.demo", name: "Camille Agent", services: ["CDIF-75"], isSupervisor: false, totpSecret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" },
];
/** Answer templates of the demo services (variables in double braces are filled from the request). */
export const DEMO_TEMPLATES = [
  {
    serviceCode: "SIE-75111",
    title: "Demande de relevé d'identité bancaire",
    body: "Bonjour,\n\nPour instruire votre demande {{reference}} concernant {{raison_sociale}}, merci de nous transmettre un relevé d'identité bancaire au nom de l'entreprise, en pièce jointe de votre réponse.\n\nCordialement,\n{{service}}",
  },
  {
    serviceCode: "SIE-75111",
    title: "Remboursement de crédit de TVA accordé",
    body: "Bonjour,\n\nVotre demande {{reference}} du {{date_reception}} est acceptée : le remboursement du crédit de TVA de {{raison_sociale}} sera versé sur le compte bancaire de l'entreprise dans les prochains jours.\n\nCordialement,\n{{service}}",
  },
  {
    serviceCode: "SIE-75111",
    title: "Accusé de prise en charge",
    body: "Bonjour,\n\nVotre demande {{reference}} est prise en charge par le {{service}}. Une réponse vous sera apportée au plus tard le {{date_limite}}.\n\nCordialement,\n{{agent}}\n{{service}}",
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

const TRADES = [
  "BOULANGERIE",
  "GARAGE",
  "PHARMACIE",
  "MENUISERIE",
  "TRANSPORTS",
  "IMPRIMERIE",
  "FROMAGERIE",
  "CONSEIL",
  "PLOMBERIE",
  "LIBRAIRIE",
  "ATELIER",
  "TRAITEUR",
];
const NAMES = [
  "DUPONT",
  "MOREAU",
  "LEFEBVRE",
  "GARNIER",
  "FAURE",
  "ROUSSEL",
  "BLANC",
  "GUERIN",
  "MULLER",
  "HENRY",
  "PERRIN",
  "MOREL",
  "GIRARD",
  "ANDRE",
  "MERCIER",
  "BONNET",
];
const STREETS = [
  ["RUE", "DE LA ROQUETTE"],
  ["BD", "VOLTAIRE"],
  ["RUE", "OBERKAMPF"],
  ["AV", "DE LA REPUBLIQUE"],
  ["RUE", "DE LA CHARITE"],
  ["QUA", "SAINT-ANTOINE"],
  ["PL", "BELLECOUR"],
] as const;
const PLACES = [
  { postalCode: "75011", communeName: "PARIS 11", communeCode: "75111" },
  { postalCode: "75012", communeName: "PARIS 12", communeCode: "75112" },
  { postalCode: "69001", communeName: "LYON 1ER", communeCode: "69381" },
  { postalCode: "69002", communeName: "LYON 2E", communeCode: "69382" },
];

export const GENERATED_COMPANIES = 320;
/** The clients of Cabinet GESTION's head accountant (product §14): a real portfolio for a newcomer to see. */
export const DEMO_PORTFOLIO = 300;

/** Loads the demo data set (product §11) on an empty database. Returns false when data was already there. */
export async function loadDemoData(deps: FactoryDeps & { publicUrl: string; receiptKeys: ReceiptKeys }): Promise<boolean> {
  if ((await countCompanies(deps.db)) > 0) return false;
  for (const s of DEMO_SERVICES) await makeTaxService(deps, s);
  await makeCompany(deps, {
    ...SEED.martin,
    streetNumber: "24",
    streetType: "RUE",
    streetName: "DE LA ROQUETTE",
    postalCode: "75011",
    communeName: "PARIS 11",
    communeCode: "75111",
    legalRepresentative: { firstName: "Robert", lastName: "Lambda" },
  });
  await makeCompany(deps, {
    ...SEED.gestion,
    streetNumber: "8",
    streetType: "PL",
    streetName: "BELLECOUR",
    postalCode: "69002",
    communeName: "LYON 2E",
    communeCode: "69382",
    legalRepresentative: { firstName: "Hélène", lastName: "Gestion" },
  });
  await makeCompany(deps, {
    ...SEED.concurrence,
    streetNumber: "3",
    streetType: "BD",
    streetName: "VOLTAIRE",
    postalCode: "75011",
    communeName: "PARIS 11",
    communeCode: "75111",
    legalRepresentative: { firstName: "Marc", lastName: "Rival" },
  });
  const random = prng(20261128);
  const used = new Set(Object.values(SEED).map((c) => c.siren));
  const clients: string[] = [];
  for (let i = 0; i < GENERATED_COMPANIES; i++) {
    let siren: string;
    do siren = withLuhnKey(String(Math.floor(300_000_00 + random() * 600_000_00)));
    while (used.has(siren));
    used.add(siren);
    const street = STREETS[Math.floor(random() * STREETS.length)]!;
    const place = PLACES[Math.floor(random() * PLACES.length)]!;
    const isActive = random() > 0.05;
    if (isActive && clients.length < DEMO_PORTFOLIO) clients.push(siren);
    await makeCompany(deps, {
      siren,
      name: `${TRADES[Math.floor(random() * TRADES.length)]} ${NAMES[Math.floor(random() * NAMES.length)]} ${i + 1}`,
      isActive,
      streetNumber: String(1 + Math.floor(random() * 150)),
      streetType: street[0],
      streetName: street[1],
      ...place,
    });
  }
  // Robert Lambda made Martin distribution's space in simplified mode: he administers all its services, and
  // robert.lambda@martindistribution.com is also the company e-mail address. The accounting firm's people have
  // expert spaces.
  const [robert, claire, lila] = DEMO_PEOPLE;
  await makeSimplifiedAdministrator(deps, { ...robert!, password: DEMO_PASSWORD });
  const { spaceId: claireId } = await makeActiveSpace(deps, { ...claire!, password: DEMO_PASSWORD });
  const { spaceId: lilaId } = await makeActiveSpace(deps, { ...lila!, password: DEMO_PASSWORD });
  // The head accountant administers her own firm (so she may adhere in bulk) and 300 client companies.
  await makePortfolio(deps, { spaceId: claireId, sirens: [SEED.gestion.siren], services: ["compte_fiscal"], quality: "legal_representative" });
  await makePortfolio(deps, {
    spaceId: claireId,
    sirens: clients,
    services: ["messagerie", "compte_fiscal", "tva_declarer", "tva_payer", "is_payer"],
    companyEmail: (siren) => `contact.${siren}@clients.demo`,
  });
  // The seed's story (product §1, §19): the head accountant adhered to Martin distribution (its letter reached Robert
  // Lambda's company), and the VAT of Martin distribution and of some clients is handled by the firm's team « TVA »,
  // whose member Lila Rosemonde holds « gestion de la TVA » on each of them.
  await makePortfolio(deps, {
    spaceId: claireId,
    sirens: [SEED.martin.siren],
    services: ["messagerie", "compte_fiscal", "tva_declarer", "tva_payer", "is_payer"],
  });
  await makeDemoTeam(deps, claireId, lilaId, [SEED.martin.siren, ...clients.slice(0, DEMO_TEAM_CLIENTS)]);
  for (const a of DEMO_AGENTS) await makeAgent(deps, { ...a, password: DEMO_AGENT_PASSWORD });
  await fileDemoRequests(deps, claireId, clients.slice(0, 40), random);
  // The administration writes first (product §16): SIE Paris 11e asks Martin distribution for documents.
  const writer = DEMO_AGENTS[0]!;
  const writerId = (await deps.db.selectFrom("agents").select("id").where("email", "=", writer.email).executeTakeFirstOrThrow()).id;
  await openThread(
    { ...deps, requests: deps },
    { id: writerId, services: writer.services },
    {
      siren: SEED.martin.siren,
      tax: "TVA",
      nature: "demande_de_pieces",
      subject: "Factures d'achat du troisième trimestre",
      body: "Bonjour,\n\nDans le cadre de l'examen du crédit de TVA de {{raison_sociale}}, merci de nous transmettre les factures d'achat du troisième trimestre.\n\nCordialement,\nLe service des impôts des entreprises de Paris 11e",
      acknowledgementRequired: true,
      // By the end of the Paris day, 15 days from now.
      replyDueAt: parisDayLastInstant(parisDay(addDays(deps.clock.now(), 15))),
      repliesAllowed: true,
      uploadIds: [],
    },
  );
  for (const t of DEMO_TEMPLATES) await addTemplateAsOperator(deps, t);
  return true;
}

/** The clients of Cabinet GESTION whose VAT its team « TVA » handles, besides Martin distribution. */
export const DEMO_TEAM_CLIENTS = 20;

/** Cabinet GESTION's team « TVA » (product §19), with Lila Rosemonde as its active member. */
async function makeDemoTeam(deps: FactoryDeps, ownerId: string, memberId: string, sirens: string[]) {
  const team = await createTeam(deps, ownerId, {
    name: "TVA",
    grant: { role: "delegate", services: ["tva_declarer", "tva_payer", "messagerie"], taxScope: ["TVA"] },
  });
  const lines = await addCompanies(deps, ownerId, team.id, sirens);
  const refused = lines.filter((l) => l.status !== "added");
  if (refused.length) throw new Error(`demo team: companies refused: ${refused.map((l) => `${l.siren} ${l.error?.code}`).join(", ")}`);
  await inviteMember(deps, ownerId, team.id, DEMO_PEOPLE[2]!.email);
  await joinTeam(deps, memberId, team.id);
}

const DEMO_SUBJECTS = [
  ["TVA", "remboursement_credit_tva", "Remboursement du crédit de TVA du trimestre"],
  ["TVA", "question", "Taux de TVA applicable à une prestation"],
  ["IS", "question", "Acompte d'impôt sur les sociétés"],
  ["TVA", "reclamation", "Contestation d'une majoration de TVA"],
  ["IS", "delai_paiement", "Demande de délai de paiement du solde d'IS"],
] as const;

/**
 * Requests of the head accountant for some clients; the service has answered a third of them, and those
 * answers are still unread (so « mes entreprises » shows unread counts).
 */
async function fileDemoRequests(deps: FactoryDeps & { receiptKeys: ReceiptKeys }, spaceId: string, sirens: string[], random: () => number) {
  for (const [i, siren] of sirens.entries()) {
    const [tax, nature, subject] = DEMO_SUBJECTS[Math.floor(random() * DEMO_SUBJECTS.length)]!;
    const filed = await fileRequest(deps, spaceId, {
      siren,
      tax,
      nature,
      subject,
      body: `Bonjour,\n\n${subject} : pouvez-vous nous indiquer la marche à suivre ?\n\nCordialement,\nClaire Vasseur, cabinet GESTION`,
      uploadIds: [],
    });
    if (i % 3 !== 0) continue;
    const agent = DEMO_AGENTS.find((a) => a.services.includes(filed.service.code));
    const agentId = agent && (await deps.db.selectFrom("agents").select("id").where("email", "=", agent.email).executeTakeFirst())?.id;
    if (!agentId) continue;
    await postAgentMessage(deps, { id: agentId, services: agent.services }, filed.id, {
      body: "Bonjour,\n\nNous avons bien reçu votre demande ; merci de nous transmettre le dernier relevé de compte de l'entreprise.\n\nCordialement,\nLe service des impôts des entreprises",
      status: "awaiting_user",
      version: 1,
    });
  }
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
