import { describe, expect, it } from "vitest";
import { insertAt, preview, sampleValues, unknownPlaceholders } from "./placeholders";

const KNOWN = { raison_sociale: "raison sociale", siren: "SIREN", reference: "référence", service: "service", agent: "agent" };

describe("answer template placeholders (the form's preview)", () => {
  it("fills the known placeholders with the example, spaces and the old name included, and leaves an unknown one as typed", () => {
    const values = sampleValues({ code: "SIE-75111", name: "SIE Paris 11e" }, "Sophie Superviseure", new Date("2026-12-04T10:00:00Z"));
    const parts = preview("Bonjour {{ raison_sociale }} ({{siren}}), {{entreprise}} : {{ref}}\n{{agent}}, {{service}}", values);
    expect(parts.map((p) => p.text).join("")).toBe(
      "Bonjour MARTIN DISTRIBUTION (123 456 789), MARTIN DISTRIBUTION : {{ref}}\nSophie Superviseure, SIE Paris 11e",
    );
    expect(parts.filter((p) => p.known === false).map((p) => p.placeholder)).toEqual(["ref"]);
    expect(values.reference).toBe("2026-SIE-75111-0000123");
    // The dates as the server fills them, on the Paris calendar (a week later for the due date).
    expect(values.date_reception).toBe("4 décembre 2026");
    expect(values.date_limite).toBe("11 décembre 2026");
    expect(sampleValues(undefined, "A", new Date("2026-12-31T23:30:00Z")).date_reception).toBe("1er janvier 2027");
  });

  it("names each unknown placeholder once, as the server would", () => {
    expect(unknownPlaceholders("{{nom}} {{ nom }} {{siren}} {{entreprise}} {{Raison}}", KNOWN)).toEqual(["nom", "Raison"]);
    expect(unknownPlaceholders("Sans variable {{ ", KNOWN)).toEqual([]);
  });

  it("inserts at the cursor, over the selection, and puts the cursor after what it inserted", () => {
    expect(insertAt("Bonjour ,", 8, 8, "{{agent}}")).toEqual({ text: "Bonjour {{agent}},", cursor: 17 });
    expect(insertAt("Bonjour XX.", 8, 10, "{{siren}}")).toEqual({ text: "Bonjour {{siren}}.", cursor: 17 });
    expect(insertAt("abc", 99, 99, "!")).toEqual({ text: "abc!", cursor: 4 });
  });
});
