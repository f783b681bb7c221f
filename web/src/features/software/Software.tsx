import { useState } from "react";
import { Navigate, useLocation, useParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { ButtonsGroup } from "@codegouvfr/react-dsfr/ButtonsGroup";
import { CallOut } from "@codegouvfr/react-dsfr/CallOut";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { client, ok } from "../../shared/api/client";
import { frenchDate, type AuthorizedSoftware as Grant, type PortfolioCompany } from "../../shared/api/types";
import { ErrorAlert, FormColumn, Page, useAction, useFormErrors } from "../../shared/components/page";
import { CompanyCombobox } from "../../shared/components/CompanyCombobox";
import { useSession } from "../../shared/session";
import { softwareKeys, useAuthorizedSoftware, useInteraction } from "./queries";
import { MoreButton } from "../../shared/query";

const revokeModal = createModal({ id: "confirmer-retrait-logiciel", isOpenedByDefault: false });

/**
 * The consent page of a software (product §15): who asks, what it will be able to do in plain words, for all of the
 * person's companies or the ones she chooses (the portfolio combobox), and what the companies will see.
 */
export function Consent() {
  const { uid = "" } = useParams();
  const location = useLocation();
  const { person } = useSession();
  const interaction = useInteraction(uid, Boolean(person));
  const info = interaction.data;
  const [scope, setScope] = useState<"chosen" | "all">("chosen");
  const [chosen, setChosen] = useState<PortfolioCompany[]>([]);
  const [leaving, setLeaving] = useState(false);
  type Answer = { decision: "allow"; companies: "all" | string[] } | { decision: "deny" };
  // The answer sends the browser back to the software (the consent is then spent: nothing to refresh here).
  const answer = (body: Answer) => async () => {
    const reply = await ok(client.POST("/api/v1/oauth/interactions/{uid}", { params: { path: { uid } }, body }));
    setLeaving(true);
    window.location.assign(reply.redirectTo);
  };
  const allow = useAction(answer({ decision: "allow", companies: scope === "all" ? "all" : chosen.map((c) => c.siren) }));
  const deny = useAction(answer({ decision: "deny" }));
  const errors = useFormErrors(
    allow.error,
    { companies: "Entreprises" },
    { companies: scope === "chosen" && allow.error && chosen.length === 0 ? "choisissez au moins une entreprise" : undefined },
  );

  if (person === undefined) return <Page title="Autoriser un logiciel">{null}</Page>;
  if (person === null) return <Navigate to={`/connexion?retour=${encodeURIComponent(location.pathname)}`} replace />;
  if (interaction.error) {
    return (
      <Page title="Autoriser un logiciel">
        <ErrorAlert error={interaction.error} />
      </Page>
    );
  }
  if (!info) return <Page title="Autoriser un logiciel">{null}</Page>;
  const name = info.software.name;
  return (
    <Page
      title={`Autoriser « ${name} » à agir pour vous`}
      lead={`Le logiciel ${name} demande à utiliser la messagerie en votre nom, ${person.firstName} ${person.lastName}. Vous serez ensuite renvoyé vers ${info.redirectHost}.`}
    >
      <FormColumn>
        {errors.summary}
        <ErrorAlert error={deny.error} />
        {leaving && <Alert severity="info" small className="fr-mb-2w" description="Retour vers le logiciel…" />}
        <h2 className="fr-h4">Ce que le logiciel pourra faire</h2>
        <ul>
          {info.scopes.map((s) => (
            <li key={s.code}>{s.label}</li>
          ))}
        </ul>
        <form onSubmit={(e) => void allow.run(e)} noValidate>
          <RadioButtons
            legend="Pour quelles entreprises ?"
            name="entreprises"
            options={[
              { label: "Seulement les entreprises que je choisis", nativeInputProps: { checked: scope === "chosen", onChange: () => setScope("chosen") } },
              {
                label: "Toutes mes entreprises",
                hintText: "Y compris celles pour lesquelles vous recevrez des droits plus tard.",
                nativeInputProps: { checked: scope === "all", onChange: () => setScope("all") },
              },
            ]}
          />
          {scope === "chosen" && (
            <>
              <CompanyCombobox
                label="Ajouter une entreprise"
                hint="Tapez un SIREN ou le début d'un nom ; Entrée ajoute l'entreprise à la liste."
                value=""
                clearOnSelect
                inputId={errors.id("companies")}
                error={errors.fields.companies}
                onChange={(c) => c && setChosen((list) => (list.some((x) => x.siren === c.siren) ? list : [...list, c]))}
              />
              {chosen.length > 0 && (
                <ul className="fr-tags-group" aria-label="Entreprises choisies">
                  {chosen.map((c) => (
                    <li key={c.siren}>
                      <button
                        type="button"
                        className="fr-tag fr-tag--dismiss"
                        aria-label={`Retirer ${c.name} (${c.siren})`}
                        onClick={() => setChosen((list) => list.filter((x) => x.siren !== c.siren))}
                      >
                        {c.name} ({c.siren})
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
          <CallOut title="Ce que verront les entreprises" iconId="fr-icon-eye-line" className="fr-my-3w">
            Les administrateurs de chaque entreprise concernée verront, dans « Qui agit pour mon entreprise », « Logiciel {name}, via {person.firstName}{" "}
            {person.lastName} », et pourront lui couper l'accès pour leur entreprise. Chaque action du logiciel est enregistrée à votre nom et au sien. Le
            logiciel n'a jamais plus de droits que vous : un droit qui vous est retiré lui est retiré aussi. Vous pourrez retirer cette autorisation à tout
            moment dans « Logiciels autorisés » ; elle prend fin au plus tard dans 18 mois.
          </CallOut>
          <ButtonsGroup
            inlineLayoutWhen="sm and up"
            buttons={[
              { children: "Autoriser", type: "submit", disabled: allow.busy || leaving },
              { children: "Refuser", priority: "secondary", type: "button", disabled: deny.busy || leaving, onClick: () => void deny.run() },
            ]}
          />
        </form>
      </FormColumn>
    </Page>
  );
}

/** « Logiciels autorisés »: the person's grants, each with the button that revokes it. */
export function AuthorizedSoftware() {
  const { person } = useSession();
  const queryClient = useQueryClient();
  const list = useAuthorizedSoftware(Boolean(person));
  const items = list.items;
  const [revoked, setRevoked] = useState<string | undefined>();
  const [pending, setPending] = useState<Grant | undefined>();
  // Revoked or not (someone else may have revoked it already), the list is asked again; so are the companies' lists
  // of the software acting for them.
  const revoke = useMutation({
    mutationFn: (g: Grant) => ok(client.DELETE("/api/v1/authorized-software/{grantId}", { params: { path: { grantId: g.grantId } } })),
    onSuccess: (_, g) => setRevoked(g.software.name),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: softwareKeys.authorized }),
        queryClient.invalidateQueries({ queryKey: ["companies", "software"] }),
      ]),
  });

  if (person === null) return <Navigate to="/connexion?retour=%2Flogiciels-autorises" replace />;
  return (
    <Page
      title="Logiciels autorisés"
      lead="Les logiciels (de comptabilité, de gestion…) que vous avez autorisés à utiliser la messagerie en votre nom."
      trail={[{ label: "Mon espace", to: "/mon-espace" }]}
    >
      <ErrorAlert error={revoke.error ?? list.error} />
      {revoked && (
        <Alert
          severity="success"
          small
          className="fr-mb-3w"
          description={`L'autorisation de ${revoked} est retirée : le logiciel ne peut plus rien faire en votre nom.`}
        />
      )}
      {items && items.length === 0 && <p>Vous n'avez autorisé aucun logiciel.</p>}
      {items && items.length > 0 && (
        <div className="fr-table fr-table--bordered">
          <table>
            <caption className="fr-sr-only">Logiciels autorisés à agir en votre nom</caption>
            <thead>
              <tr>
                <th scope="col">Logiciel</th>
                <th scope="col">Permissions</th>
                <th scope="col">Entreprises</th>
                <th scope="col">Autorisé le</th>
                <th scope="col">Dernière utilisation</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {items.map((g) => (
                <tr key={g.grantId} data-grant={g.software.name}>
                  <td id={`autorisation-${g.grantId}`}>{g.software.name}</td>
                  <td>
                    <ul className="fr-mb-0">
                      {g.scopes.map((s) => (
                        <li key={s.code} className="fr-text--sm">
                          {s.label}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>{g.companies === "all" ? "Toutes mes entreprises" : g.companies.map((c) => `${c.name} (${c.siren})`).join(", ")}</td>
                  <td>
                    {frenchDate(g.createdAt)}
                    <br />
                    <span className="fr-text--sm">jusqu'au {frenchDate(g.expiresAt)} au plus tard</span>
                  </td>
                  <td>{g.lastUsedAt ? frenchDate(g.lastUsedAt) : "jamais"}</td>
                  <td>
                    <Button
                      size="small"
                      priority="secondary"
                      title={`Retirer l'autorisation de ${g.software.name}`}
                      onClick={() => {
                        setPending(g);
                        revokeModal.open();
                      }}
                    >
                      Retirer l'autorisation…
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton list={list} label="Voir les autorisations suivantes" itemId={(g) => `autorisation-${g.grantId}`} />
      <revokeModal.Component
        title={pending ? `Retirer l'autorisation de ${pending.software.name} ?` : "Retirer l'autorisation"}
        buttons={[
          { children: "Annuler", priority: "secondary" },
          { children: "Retirer l'autorisation", onClick: () => pending && revoke.mutate(pending) },
        ]}
      >
        {pending && (
          <p>
            {`Le logiciel ${pending.software.name} ne pourra plus rien faire en votre nom ${
              pending.companies === "all" ? "pour aucune de vos entreprises" : `pour ${pending.companies.map((c) => c.name).join(", ")}`
            }, dès son prochain appel. Pour s'en servir de nouveau, il faudra l'autoriser à nouveau depuis le logiciel.`}
          </p>
        )}
      </revokeModal.Component>
    </Page>
  );
}
