import { useState } from "react";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { GrantRole } from "../../shared/components/GrantRole";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { client, ok } from "../../shared/api/client";
import { frenchDate, parisDayLastInstant, RIGHT_STATE_LABELS, ROLE_LABELS, type Company, type Representative, type ServiceCode } from "../../shared/api/types";
import { ErrorAlert, FormColumn, refuseFields, useAction, useFormErrors } from "../../shared/components/page";
import { DELEGATION_BUNDLES, serviceLabel, useCatalogue } from "../../shared/catalogue";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { CompanySoftware } from "../software/CompanySoftware";
import { rightsKeys, useRepresentatives, useRevokeRights } from "./queries";

const revokeModal = createModal({ id: "confirmer-revocation", isOpenedByDefault: false });

/** The people whose rights fall with `ids` (rights granted from them, and from those, and so on), by name. */
function fallingWith(ids: string[], people: Representative[]): string[] {
  const holder = new Map(people.flatMap((p) => p.rights.map((r) => [r.id, { ...r, name: `${p.person.firstName} ${p.person.lastName}` }] as const)));
  const falling = new Set(ids);
  for (let grew = true; grew;) {
    grew = false;
    for (const [id, r] of holder) {
      if (!falling.has(id) && r.grantedFrom && falling.has(r.grantedFrom)) {
        falling.add(id);
        grew = true;
      }
    }
  }
  const names = new Set<string>([...falling].filter((id) => !ids.includes(id)).map((id) => holder.get(id)!.name));
  for (const id of ids) names.delete(holder.get(id)?.name ?? "");
  return [...names];
}

/** The firm's teams a person's rights come from: « via l'équipe TVA de CABINET GESTION » (product §19). */
function viaTeams(p: Representative): string[] {
  return [...new Set(p.rights.flatMap((r) => (r.team ? [`via l'équipe ${r.team.name} de ${r.team.firmName}`] : [])))];
}

/** « Qui agit pour mon entreprise » and « donner une habilitation », for administrators and deputies. */
export function ManageRights({ company }: { company: Company }) {
  const catalogue = useCatalogue();
  const representatives = useRepresentatives(company.siren);
  const people = representatives.data;

  const grantable = company.myRights.filter((r) => r.role === "administrator" || r.role === "deputy").map((r) => r.service);
  const [bundle, setBundle] = useState<(typeof DELEGATION_BUNDLES)[number]["id"]>("tva");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"delegate" | "deputy">("delegate");
  const [until, setUntil] = useState("");
  const [offered, setOffered] = useState(false);
  const chosen = DELEGATION_BUNDLES.find((b) => b.id === bundle)!;
  const wanted: readonly string[] = chosen.id === "all" ? grantable : chosen.services;
  // In catalogue order, and only what this person may pass on.
  const services = catalogue.map((c) => c.code as ServiceCode).filter((code) => wanted.includes(code) && grantable.includes(code));
  // An offer is not a right until accepted: only the offers given (« mon espace ») change.
  const offer = useAction(async () => {
    // The button stays enabled: what is missing is named in the error summary, which takes the focus.
    refuseFields({
      email: !email.trim() && "saisissez l'adresse de connexion de la personne.",
      services: services.length === 0 && "vous ne pouvez déléguer aucun service de cette habilitation : choisissez-en une autre.",
    });
    await ok(
      client.POST("/api/v1/companies/{siren}/delegations", {
        params: { path: { siren: company.siren } },
        body: {
          email,
          role,
          services,
          ...(chosen.taxScope && services.includes("messagerie") ? { taxScope: [...chosen.taxScope] } : {}),
          // The day typed, until its end on the Paris calendar.
          ...(until ? { validUntil: parisDayLastInstant(until) } : {}),
        },
      }),
    );
    setOffered(true);
    setEmail("");
  }, [rightsKeys.delegations]);
  const offerErrors = useFormErrors(
    offer.error,
    { email: "Adresse électronique de connexion de la personne", services: "Habilitation", validUntil: "Date de fin (facultative)" },
    {},
    { ids: { email: "habilitation-adresse", services: "habilitation-choix", validUntil: "habilitation-fin" } },
  );
  const revoke = useRevokeRights(company.siren);
  const [pending, setPending] = useState<{ name: string; ids: string[]; falling: string[] } | undefined>();

  if (representatives.error) return null;
  return (
    <>
      <h2 className="fr-mt-6w" id="qui-agit">
        Qui agit pour mon entreprise
      </h2>
      <ErrorAlert error={revoke.error} />
      {people && (
        <div className="fr-table fr-table--bordered">
          <table>
            <caption className="fr-sr-only">Personnes habilitées pour {company.name}</caption>
            <thead>
              <tr>
                <th scope="col">Personne</th>
                <th scope="col">Entité</th>
                <th scope="col">Habilitations</th>
                <th scope="col">Dernière connexion</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {people.map((p) => {
                const revocable = p.rights.filter((r) => r.revocable).map((r) => r.id);
                const name = `${p.person.firstName} ${p.person.lastName}`;
                return (
                  <tr key={p.person.connectionEmail} data-person={p.person.connectionEmail}>
                    <td>
                      {name}
                      {viaTeams(p).map((via) => (
                        <span key={via}>, {via}</span>
                      ))}
                      <br />
                      <span className="fr-text--sm">{p.person.connectionEmail}</span>
                    </td>
                    <td>{p.person.entityName ?? `SIREN ${p.person.entitySiren}`}</td>
                    <td>
                      <ul className="fr-mb-0">
                        {p.rights.map((r) => (
                          <li key={r.id} className="fr-text--sm">
                            {serviceLabel(catalogue, r.service)} — {ROLE_LABELS[r.role] ?? r.role}
                            {r.taxScope ? ` (${r.taxScope.join(", ")})` : ""}
                            {r.state !== "active" ? ` — ${RIGHT_STATE_LABELS[r.state] ?? r.state}` : ""}
                            {` — depuis le ${frenchDate(r.since)}`}
                            {r.validUntil ? `, jusqu'au ${frenchDate(r.validUntil)}` : ""}
                            {r.grantedBy ? `, accordée par ${r.grantedBy}` : ", par adhésion"}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>{p.lastActivityAt ? frenchDate(p.lastActivityAt) : "jamais"}</td>
                    <td>
                      {revocable.length > 0 && (
                        <Button
                          size="small"
                          priority="secondary"
                          onClick={() => {
                            setPending({ name, ids: revocable, falling: fallingWith(revocable, people) });
                            revokeModal.open();
                          }}
                          title={`Révoquer les habilitations de ${name}`}
                        >
                          Révoquer…
                        </Button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <CompanySoftware company={company} />

      <revokeModal.Component
        title={pending ? `Révoquer les habilitations de ${pending.name} ?` : "Révoquer"}
        buttons={[
          { children: "Annuler", priority: "secondary" },
          { children: "Révoquer", onClick: () => pending && revoke.mutate(pending.ids) },
        ]}
      >
        {pending && (
          <>
            <p>
              {pending.name} ne pourra plus agir pour {company.name} dès maintenant.
            </p>
            {pending.falling.length > 0 && (
              <>
                <p className="fr-mb-1w">Les habilitations qu'elle a données tombent aussi :</p>
                <ul>
                  {pending.falling.map((n) => (
                    <li key={n}>la délégation de {n} tombera aussi</li>
                  ))}
                </ul>
              </>
            )}
          </>
        )}
      </revokeModal.Component>

      <h2 className="fr-mt-6w">Donner une habilitation</h2>
      <FormColumn>
        <form onSubmit={(e) => void offer.run(e)} noValidate>
          {offered && (
            <Alert severity="success" small className="fr-mb-2w" description="Proposition envoyée : la personne doit l'accepter dans son espace (14 jours)." />
          )}
          {offerErrors.summary}
          <Input
            label="Adresse électronique de connexion de la personne"
            hintText="Elle doit avoir un espace professionnel."
            {...offerErrors.props("email")}
            nativeInputProps={{ ...offerErrors.native("email"), type: "email", value: email, onChange: (e) => setEmail(e.target.value) }}
          />
          <Select
            label="Habilitation"
            {...offerErrors.props("services")}
            nativeSelectProps={{ ...offerErrors.native("services"), value: bundle, onChange: (e) => setBundle(e.target.value as typeof bundle) }}
          >
            {DELEGATION_BUNDLES.map((b) => (
              <option key={b.id} value={b.id}>
                {b.label}
              </option>
            ))}
          </Select>
          <p className="fr-text--sm">
            Services : {services.map((s) => serviceLabel(catalogue, s)).join(", ") || "aucun que vous puissiez déléguer"}
            {chosen.taxScope && services.includes("messagerie") ? ` — messagerie limitée à ${chosen.taxScope.join(", ")}` : ""}
          </p>
          <GrantRole legend="Rôle" role={role} onChange={setRole} deputyHint="Gère aussi les habilitations, comme vous." />
          <Input
            label="Date de fin (facultative)"
            {...offerErrors.props("validUntil")}
            nativeInputProps={{ ...offerErrors.native("validUntil"), type: "date", value: until, onChange: (e) => setUntil(e.target.value) }}
          />
          <Button type="submit" disabled={offer.busy}>
            Proposer l'habilitation
          </Button>
        </form>
      </FormColumn>
    </>
  );
}
