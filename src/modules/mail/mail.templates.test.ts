import { describe, expect, it } from "vitest";
import { asRole, newRightMail } from "./mail.templates.js";

describe("the words of the mails", () => {
  it("elide « que » before a vowel: « en tant qu'administrateur », « en tant que délégataire »", () => {
    expect(asRole("administrator")).toBe("en tant qu'administrateur");
    expect(asRole("deputy")).toBe("en tant qu'administrateur suppléant");
    expect(asRole("delegate")).toBe("en tant que délégataire");
    const mail = newRightMail({
      to: "contact@martin.fr",
      companyName: "MARTIN DISTRIBUTION",
      siren: "812345676",
      person: "Robert Lambda",
      personEmail: "robert.lambda@martindistribution.com",
      role: "administrator",
      services: ["Messagerie sécurisée"],
      taxScope: null,
      grantedBy: null,
      validUntil: null,
    });
    expect(mail.text).toContain("(SIREN 812345676) en tant qu'administrateur.");
    expect(mail.text).not.toMatch(/que administrateur/);
  });
});
