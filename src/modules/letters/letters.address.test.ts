import { describe, expect, it } from "vitest";
import { addressBlock, MAX_LINE_LENGTH, MAX_LINES, postalCase } from "./letters.address.js";

const check = (lines: string[]) => {
  expect(lines.length).toBeLessThanOrEqual(MAX_LINES);
  for (const l of lines) {
    expect(l.length).toBeLessThanOrEqual(MAX_LINE_LENGTH);
    expect(l).toBe(postalCase(l));
  }
};

describe("address block (NF Z 10-011)", () => {
  it("writes name, attention, complement, street and town in upper case without accents", () => {
    const lines = addressBlock({
      recipient: "Martin distribution",
      attention: "Robert Lambda",
      complement: "Bâtiment A, 2e étage",
      streetNumber: "24",
      repetition: "B",
      streetType: "RUE",
      streetName: "de la Roquette",
      postalCode: "75011",
      communeName: "Paris 11",
    });
    expect(lines).toEqual(["MARTIN DISTRIBUTION", "ROBERT LAMBDA", "BATIMENT A 2E ETAGE", "24 BIS RUE DE LA ROQUETTE", "75011 PARIS 11"]);
    check(lines);
  });

  it("expands the street type only where the line stays within 38 characters", () => {
    expect(
      addressBlock({ recipient: "X", streetNumber: "3", streetType: "AV", streetName: "DE LA REPUBLIQUE", postalCode: "75011", communeName: "PARIS" })[1],
    ).toBe("3 AVENUE DE LA REPUBLIQUE");
    // "128 TER BOULEVARD DU GENERAL MARTIAL VALIN" has 42 characters: INSEE's abbreviations are kept.
    const long = addressBlock({
      recipient: "X",
      streetNumber: "128",
      repetition: "T",
      streetType: "BD",
      streetName: "DU GENERAL MARTIAL VALIN",
      postalCode: "75015",
      communeName: "PARIS",
    });
    expect(long[1]).toBe("128T BD DU GENERAL MARTIAL VALIN");
    check(long);
  });

  it("uses the CEDEX line and the special distribution", () => {
    const lines = addressBlock({
      recipient: "Cabinet GESTION",
      streetNumber: "8",
      streetType: "PL",
      streetName: "BELLECOUR",
      specialDistribution: "BP 1234",
      postalCode: "69002",
      communeName: "LYON 2E",
      cedexCode: "69286",
      cedexName: "LYON CEDEX 02",
    });
    expect(lines).toEqual(["CABINET GESTION", "8 PLACE BELLECOUR", "BP 1234", "69286 LYON CEDEX 02"]);
  });

  it("puts the country last for a head office abroad", () => {
    const lines = addressBlock({
      recipient: "Concurrence SARL",
      streetNumber: "5",
      streetType: "RUE",
      streetName: "ROYALE",
      foreignCommune: "1000 Bruxelles",
      foreignCountry: "Belgique",
    });
    expect(lines.at(-1)).toBe("BELGIQUE");
    expect(lines.at(-2)).toBe("1000 BRUXELLES");
  });

  it("never exceeds 6 lines of 38 characters, dropping the attention line first", () => {
    const lines = addressBlock({
      recipient: "Société coopérative ouvrière de production des imprimeurs réunis",
      attention: "Madame la présidente directrice générale",
      complement: "Zone industrielle des Grands Champs, bâtiment 12",
      streetNumber: "1",
      streetType: "CHE",
      streetName: "des Vignes",
      specialDistribution: "Lieu-dit Les Tilleuls",
      postalCode: "97411",
      communeName: "Saint-Paul",
      foreignCountry: undefined,
    });
    check(lines);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe("SOCIETE COOPERATIVE OUVRIERE DE");
    expect(lines.at(-1)).toBe("97411 SAINT-PAUL");

    const abroad = addressBlock({
      recipient: "Concurrence SARL",
      attention: "Madame la gérante",
      complement: "Résidence Les Pins",
      streetNumber: "5",
      streetType: "RUE",
      streetName: "ROYALE",
      specialDistribution: "Boîte 3",
      foreignCommune: "1000 Bruxelles",
      foreignCountry: "Belgique",
    });
    check(abroad);
    expect(abroad).toEqual(["CONCURRENCE SARL", "RESIDENCE LES PINS", "5 RUE ROYALE", "BOITE 3", "1000 BRUXELLES", "BELGIQUE"]);
  });
});
