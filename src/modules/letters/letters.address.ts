/** A registered address as the SIRENE reference data holds it (head-office establishment). */
export type PostalAddress = {
  recipient: string;
  /** Line 2: who, within the company (e.g. "REPRESENTANT LEGAL"). */
  attention?: string | null;
  complement?: string | null;
  streetNumber?: string | null;
  /** B, T, Q…: bis, ter, quater. */
  repetition?: string | null;
  /** INSEE's abbreviation: RUE, AV, BD, PL… */
  streetType?: string | null;
  streetName?: string | null;
  specialDistribution?: string | null;
  postalCode?: string | null;
  communeName?: string | null;
  cedexCode?: string | null;
  cedexName?: string | null;
  foreignCommune?: string | null;
  foreignCountry?: string | null;
};

export const MAX_LINES = 6;
export const MAX_LINE_LENGTH = 38;

/** INSEE street-type abbreviations and their full words, expanded only when the line stays within 38 characters. */
const STREET_TYPES: Record<string, string> = {
  ALL: "ALLEE",
  AV: "AVENUE",
  BD: "BOULEVARD",
  CAR: "CARREFOUR",
  CHE: "CHEMIN",
  CHS: "CHAUSSEE",
  CITE: "CITE",
  COR: "CORNICHE",
  CRS: "COURS",
  DOM: "DOMAINE",
  DSC: "DESCENTE",
  ECA: "ECART",
  ESP: "ESPLANADE",
  FG: "FAUBOURG",
  GR: "GRANDE RUE",
  HAM: "HAMEAU",
  HLE: "HALLE",
  IMP: "IMPASSE",
  LD: "LIEU DIT",
  LOT: "LOTISSEMENT",
  MAR: "MARCHE",
  MTE: "MONTEE",
  PARC: "PARC",
  PAS: "PASSAGE",
  PL: "PLACE",
  PLN: "PLAINE",
  PLT: "PLATEAU",
  PRO: "PROMENADE",
  PRV: "PARVIS",
  QUA: "QUARTIER",
  QUAI: "QUAI",
  RES: "RESIDENCE",
  RLE: "RUELLE",
  ROC: "ROCADE",
  RPT: "ROND POINT",
  RTE: "ROUTE",
  RUE: "RUE",
  SEN: "SENTIER",
  SQ: "SQUARE",
  TPL: "TERRE PLEIN",
  TRA: "TRAVERSE",
  VLA: "VILLA",
  VLGE: "VILLAGE",
};
const REPETITIONS: Record<string, string> = { B: "BIS", T: "TER", Q: "QUATER", C: "QUINQUIES" };

/** Upper case without accents or punctuation other than the hyphen and apostrophe, single spaces (La Poste). */
export function postalCase(s: string): string {
  return s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .replace(/Œ/g, "OE")
    .replace(/Æ/g, "AE")
    .replace(/[^A-Z0-9' -]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Shortens a line to 38 characters on a word boundary when possible. */
function fit(line: string): string {
  if (line.length <= MAX_LINE_LENGTH) return line;
  const cut = line.slice(0, MAX_LINE_LENGTH);
  const space = cut.lastIndexOf(" ");
  return (space > 20 ? cut.slice(0, space) : cut).trim();
}

function streetLine(a: PostalAddress): string | null {
  if (!a.streetName && !a.streetNumber) return null;
  const number = [a.streetNumber, a.repetition].filter(Boolean).join("");
  const type = a.streetType ? postalCase(a.streetType) : "";
  const parts = (t: string) => postalCase([number, t, a.streetName].filter(Boolean).join(" "));
  const expanded = STREET_TYPES[type];
  const repetitionWord = a.repetition ? REPETITIONS[postalCase(a.repetition)] : undefined;
  // Prefer the full words (AVENUE, BIS) when they fit; keep INSEE's abbreviations otherwise.
  const candidates = [
    postalCase([a.streetNumber, repetitionWord ?? a.repetition, expanded ?? type, a.streetName].filter(Boolean).join(" ")),
    parts(expanded ?? type),
    parts(type),
  ];
  return candidates.find((c) => c.length <= MAX_LINE_LENGTH) ?? fit(parts(type));
}

/**
 * The address block of a window envelope per NF Z 10-011: at most 6 lines of at most 38 characters, in upper case,
 * the last line being the postcode and town (or CEDEX), or the country for an address abroad.
 */
export function addressBlock(a: PostalAddress): string[] {
  const lines: (string | null)[] = [fit(postalCase(a.recipient)), a.attention ? fit(postalCase(a.attention)) : null];
  const complement = a.complement ? fit(postalCase(a.complement)) : null;
  const street = streetLine(a);
  const distribution = a.specialDistribution ? fit(postalCase(a.specialDistribution)) : null;
  let town: string | null;
  if (a.foreignCountry) {
    town = a.foreignCommune ? fit(postalCase(a.foreignCommune)) : null;
  } else if (a.cedexCode) {
    town = fit(postalCase(`${a.cedexCode} ${a.cedexName ?? a.communeName ?? ""}`));
  } else {
    town = a.postalCode || a.communeName ? fit(postalCase(`${a.postalCode ?? ""} ${a.communeName ?? ""}`)) : null;
  }
  const country = a.foreignCountry ? fit(postalCase(a.foreignCountry)) : null;
  const tail = [street, distribution, town, country].filter((l): l is string => !!l);
  let head = [lines[0], lines[1], complement].filter((l): l is string => !!l);
  // Too many lines: the attention line goes first, then the complement (the street and town must stay).
  while (head.length + tail.length > MAX_LINES && head.length > 1) head = head.length === 3 ? [head[0]!, head[2]!] : [head[0]!];
  return [...head, ...tail].slice(0, MAX_LINES);
}
