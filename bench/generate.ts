import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { withLuhnKey } from "../src/modules/companies/index.js";

/** Writes a StockUniteLegale-shaped CSV (the real header) of `rows` valid companies; returns the file size. */
export async function writeUnitesLegales(file: string, rows: number): Promise<void> {
  const header =
    "siren,statutDiffusionUniteLegale,unitePurgeeUniteLegale,dateCreationUniteLegale,sigleUniteLegale,sexeUniteLegale,prenom1UniteLegale,prenom2UniteLegale,prenom3UniteLegale,prenom4UniteLegale,prenomUsuelUniteLegale,pseudonymeUniteLegale,identifiantAssociationUniteLegale,trancheEffectifsUniteLegale,anneeEffectifsUniteLegale,dateDernierTraitementUniteLegale,nombrePeriodesUniteLegale,categorieEntreprise,anneeCategorieEntreprise,dateDebut,etatAdministratifUniteLegale,nomUniteLegale,nomUsageUniteLegale,denominationUniteLegale,denominationUsuelle1UniteLegale,denominationUsuelle2UniteLegale,denominationUsuelle3UniteLegale,categorieJuridiqueUniteLegale,activitePrincipaleUniteLegale,nomenclatureActivitePrincipaleUniteLegale,nicSiegeUniteLegale,economieSocialeSolidaireUniteLegale,societeMissionUniteLegale,caractereEmployeurUniteLegale,activitePrincipaleNAF25UniteLegale";
  const out = createWriteStream(file);
  out.write(`${header}\n`);
  let chunk = "";
  for (let i = 0; i < rows; i++) {
    const siren = withLuhnKey(
      String(10_000_000 + i * 7)
        .padStart(8, "0")
        .slice(-8),
    );
    const individual = i % 5 === 0;
    chunk += `${siren},O,,2015-03-0${(i % 9) + 1},,${individual ? "M" : ""},${individual ? "JEAN" : ""},,,,${individual ? "JEAN" : ""},,,03,2021,2024-06-01T10:00:00,3,PME,2021,2020-01-01,${i % 20 === 0 ? "C" : "A"},${individual ? "DURAND" : ""},,${individual ? "" : `SOCIETE ${i}`},,,,${individual ? "1000" : "5710"},62.01Z,NAFRev2,00012,N,,O,62.01Y\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
      chunk = "";
    }
  }
  out.end(chunk);
  await finished(out);
}
