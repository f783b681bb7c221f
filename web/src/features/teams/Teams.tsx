import { useState } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { GrantRole } from "../../shared/components/GrantRole";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { client, ok } from "../../shared/api/client";
import { ROLE_LABELS, type ServiceCode } from "../../shared/api/types";
import { FormColumn, Page, useAction, useFormErrors } from "../../shared/components/page";
import { ScrollingTable } from "../../shared/components/table";
import { DELEGATION_BUNDLES, serviceLabel, useCatalogue } from "../../shared/catalogue";
import { useSession } from "../../shared/session";
import { teamKeys, useTeams, type TeamSummary } from "./queries";

/** A team's grant in words: « Délégataire — Déclarer la TVA, Payer la TVA, Messagerie sécurisée (TVA) ». */
export function grantWords(grant: TeamSummary["grant"], catalogue: ReturnType<typeof useCatalogue>): string {
  const services = grant.services.map((s) => serviceLabel(catalogue, s)).join(", ");
  return `${ROLE_LABELS[grant.role] ?? grant.role} — ${services}${grant.taxScope ? ` (messagerie : ${grant.taxScope.join(", ")})` : ""}`;
}

const STATE_BADGES = {
  owner: { label: "je la gère", severity: "info" },
  active: { label: "membre", severity: "success" },
  invited: { label: "invitation à accepter", severity: "new" },
} as const;

/** A bundle for every company of a team: « tous les services » would differ from one company to the next. */
const BUNDLES = DELEGATION_BUNDLES.filter((b) => b.id !== "all");

/** Creating a team: its name and its grant (an administrator of her own entity only). */
function CreateTeam() {
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [bundle, setBundle] = useState<string>("tva");
  const [role, setRole] = useState<"delegate" | "deputy">("delegate");
  const { run, busy, error } = useAction(async () => {
    const chosen = BUNDLES.find((b) => b.id === bundle)!;
    const created = await ok(
      client.POST("/api/v1/teams", {
        body: { name, grant: { role, services: [...chosen.services] as ServiceCode[], ...(chosen.taxScope ? { taxScope: [...chosen.taxScope] } : {}) } },
      }),
    );
    void navigate(`/equipes/${created.id}`);
  }, [teamKeys.all]);
  const form = useFormErrors(error, { name: "Nom de l'équipe", "grant.services": "Habilitation", "grant.role": "Rôle" });
  return (
    <section aria-labelledby="creer-equipe" className="fr-mt-6w">
      <h2 id="creer-equipe">Créer une équipe</h2>
      <FormColumn>
        <form onSubmit={(e) => void run(e)} noValidate>
          {form.summary}
          <Input
            label="Nom de l'équipe"
            hintText="Par exemple « TVA » ou « Paie » ; unique dans votre cabinet."
            nativeInputProps={{ ...form.native("name"), value: name, onChange: (e) => setName(e.target.value), maxLength: 80 }}
            {...form.props("name")}
          />
          <Select
            label="Habilitation donnée aux membres, pour chaque entreprise de l'équipe"
            nativeSelectProps={{ ...form.native("grant.services"), value: bundle, onChange: (e) => setBundle(e.target.value) }}
            {...form.props("grant.services")}
          >
            {BUNDLES.map((b) => (
              <option key={b.id} value={b.id}>
                {b.label}
              </option>
            ))}
          </Select>
          <GrantRole legend="Rôle des membres" role={role} onChange={setRole} deputyHint="Gère aussi les habilitations des entreprises de l'équipe." />
          <Button type="submit" disabled={busy}>
            Créer l'équipe
          </Button>
        </form>
      </FormColumn>
    </section>
  );
}

/** « Équipes »: the teams of my firm I see, and, for its administrators, creating one (product §19). */
export function Teams() {
  const { person } = useSession();
  const catalogue = useCatalogue();
  const [q, setQ] = useState("");
  const teams = useTeams(q.trim());
  /** The team just closed from its page, named in a confirmation. */
  const closed = (useLocation().state as { closed?: string } | null)?.closed;
  if (person === null) return <Navigate to="/connexion" replace />;
  const items = teams.data?.items;
  return (
    <Page
      title="Équipes"
      lead="Les équipes de votre cabinet : chaque membre reçoit la même habilitation sur chaque entreprise de l'équipe, et la perd dès qu'il la quitte ou que l'entreprise en sort."
    >
      {closed && (
        <Alert
          severity="success"
          small
          className="fr-mb-3w"
          description={`L'équipe « ${closed} » est fermée : les habilitations qu'elle donnait ont pris fin.`}
        />
      )}
      <div className="fr-search-bar fr-mb-3w" role="search">
        <Input label="Rechercher une équipe par son nom" nativeInputProps={{ type: "search", value: q, onChange: (e) => setQ(e.target.value) }} />
      </div>
      {teams.isPending && <p>Chargement des équipes…</p>}
      {items && items.length === 0 && <p>{q ? "Aucune équipe ne porte ce nom." : "Aucune équipe pour le moment."}</p>}
      {items && items.length > 0 && (
        <ScrollingTable caption="Équipes de mon cabinet" hideCaption>
          <thead>
            <tr>
              <th scope="col">Équipe</th>
              <th scope="col">Habilitation</th>
              <th scope="col">Membres</th>
              <th scope="col">Entreprises</th>
              <th scope="col">Gérée par</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link to={`/equipes/${t.id}`}>{t.name}</Link>{" "}
                  {t.myState && (
                    <Badge small severity={STATE_BADGES[t.myState].severity}>
                      {STATE_BADGES[t.myState].label}
                    </Badge>
                  )}
                </td>
                <td>{grantWords(t.grant, catalogue)}</td>
                <td>
                  {t.activeMembers}
                  {t.invitedMembers ? ` (+${t.invitedMembers} invité${t.invitedMembers > 1 ? "s" : ""})` : ""}
                </td>
                <td>{t.companies}</td>
                <td>{t.owner.displayName}</td>
              </tr>
            ))}
          </tbody>
        </ScrollingTable>
      )}
      {teams.data?.canCreate && <CreateTeam />}
    </Page>
  );
}
