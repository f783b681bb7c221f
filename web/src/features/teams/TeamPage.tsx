import { useState } from "react";
import { Navigate, useNavigate, useParams } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { frenchDate } from "../../shared/api/types";
import { ErrorAlert, FormColumn, Page, refuseFields, useAction, useFormErrors } from "../../shared/components/page";
import { ScrollingTable } from "../../shared/components/table";
import { useCatalogue } from "../../shared/catalogue";
import { useSession } from "../../shared/session";
import { grantWords } from "./Teams";
import { AddCompanies } from "./AddCompanies";
import { useTeam, useTeamAction, useTeamCompanies, type Team } from "./queries";
import { MoreButton } from "../../shared/query";

const memberModal = createModal({ id: "confirmer-retrait-membre", isOpenedByDefault: false });
const companyModal = createModal({ id: "confirmer-retrait-entreprise", isOpenedByDefault: false });
const closeModal = createModal({ id: "confirmer-fermeture-equipe", isOpenedByDefault: false });

const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`;

/** The members of a team: invited or active; the owner takes one off, a member leaves (each once confirmed). */
function Members({ team, me }: { team: Team; me: string }) {
  const catalogue = useCatalogue();
  const action = useTeamAction(team.id);
  const manager = team.myState === "owner";
  const [leaving, setLeaving] = useState<Team["members"][number] | undefined>();
  const self = leaving?.id === me;
  const grant = grantWords(team.grant, catalogue);
  const companies = plural(team.companies, "entreprise", "entreprises");
  return (
    <section aria-labelledby="membres" className="fr-mt-6w">
      <h2 id="membres">Membres</h2>
      <ErrorAlert error={action.error} />
      {team.members.length === 0 ? (
        <p>Aucun membre pour le moment.</p>
      ) : (
        <ScrollingTable caption={`Membres de l'équipe ${team.name}`} hideCaption>
          <thead>
            <tr>
              <th scope="col">Personne</th>
              <th scope="col">État</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {team.members.map((m) => (
              <tr key={m.id}>
                <td>
                  {m.displayName}
                  <br />
                  <span className="fr-text--sm">{m.email}</span>
                </td>
                <td>
                  {m.state === "active" ? (
                    <Badge small severity="success">{`membre depuis le ${frenchDate(m.joinedAt ?? m.invitedAt)}`}</Badge>
                  ) : (
                    <Badge small severity="new">{`invité le ${frenchDate(m.invitedAt)}`}</Badge>
                  )}
                </td>
                <td>
                  {(manager || m.id === me) && (
                    <Button
                      size="small"
                      priority="secondary"
                      disabled={action.isPending}
                      onClick={() => {
                        setLeaving(m);
                        memberModal.open();
                      }}
                      title={m.id === me ? `Quitter l'équipe ${team.name}` : `Retirer ${m.displayName} de l'équipe`}
                    >
                      {m.id === me ? "Quitter l'équipe…" : "Retirer…"}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollingTable>
      )}
      {manager && <Invite team={team} />}
      <memberModal.Component
        title={leaving ? (self ? `Quitter l'équipe ${team.name} ?` : `Retirer ${leaving.displayName} de l'équipe ${team.name} ?`) : "Retirer de l'équipe"}
        buttons={[
          { children: "Annuler", priority: "secondary" },
          {
            children: self ? "Quitter l'équipe" : "Retirer de l'équipe",
            onClick: () => leaving && action.mutate({ kind: "remove-member", personId: leaving.id }),
          },
        ]}
      >
        {leaving && (
          <p>
            {leaving.state !== "active"
              ? `L'invitation de ${leaving.displayName} est retirée : elle ne pourra plus rejoindre l'équipe.`
              : self
                ? `Vous perdez dès maintenant l'habilitation de l'équipe (${grant}) sur ses ${companies} ; vos autres habilitations restent.`
                : `${leaving.displayName} perd dès maintenant l'habilitation de l'équipe (${grant}) sur ses ${companies} ; ses autres habilitations restent.`}
          </p>
        )}
      </memberModal.Component>
    </section>
  );
}

/** The owner invites a colleague of the firm by her connection address. */
function Invite({ team }: { team: Team }) {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState("");
  const action = useTeamAction(team.id);
  const { run, busy, error } = useAction(async () => {
    refuseFields({ email: !email.trim() && "saisissez l'adresse de connexion de votre collègue." });
    await action.mutateAsync({ kind: "invite", email });
    setSent(email);
    setEmail("");
  });
  const form = useFormErrors(error, { email: "Adresse de connexion" });
  return (
    <FormColumn>
      <form onSubmit={(e) => void run(e)} noValidate className="fr-mt-3w">
        <h3 className="fr-h6">Inviter un collègue</h3>
        {sent && <Alert severity="success" small className="fr-mb-2w" description={`Invitation envoyée à ${sent} : la personne doit l'accepter.`} />}
        {form.summary}
        <Input
          label="Adresse de connexion"
          hintText="Un collègue de votre cabinet, qui a déjà son espace professionnel."
          nativeInputProps={{ ...form.native("email"), type: "email", value: email, onChange: (e) => setEmail(e.target.value) }}
          {...form.props("email")}
        />
        <Button type="submit" disabled={busy}>
          Inviter
        </Button>
      </form>
    </FormColumn>
  );
}

/** The team's companies, 50 at a time; the owner takes one off (the members' rights on it end at once). */
function Companies({ team }: { team: Team }) {
  const pages = useTeamCompanies(team.id);
  const action = useTeamAction(team.id);
  const companies = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const manager = team.myState === "owner";
  const [leaving, setLeaving] = useState<(typeof companies)[number] | undefined>();
  const members = team.members.filter((m) => m.state === "active").length;
  return (
    <section aria-labelledby="entreprises" className="fr-mt-6w">
      <h2 id="entreprises">Entreprises ({team.companies})</h2>
      <ErrorAlert error={action.error} />
      {pages.isPending && <p>Chargement des entreprises…</p>}
      {!pages.isPending && companies.length === 0 && <p>Aucune entreprise dans l'équipe.</p>}
      {companies.length > 0 && (
        <ScrollingTable caption={`Entreprises de l'équipe ${team.name}`} hideCaption>
          <thead>
            <tr>
              <th scope="col">Entreprise</th>
              <th scope="col">SIREN</th>
              <th scope="col">Ajoutée le</th>
              {manager && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {companies.map((c) => (
              <tr key={c.siren}>
                <td id={`equipe-entreprise-${c.siren}`}>{c.name}</td>
                <td>{c.siren}</td>
                <td>{frenchDate(c.addedAt)}</td>
                {manager && (
                  <td>
                    <Button
                      size="small"
                      priority="secondary"
                      disabled={action.isPending}
                      onClick={() => {
                        setLeaving(c);
                        companyModal.open();
                      }}
                      title={`Retirer ${c.name} de l'équipe`}
                    >
                      Retirer…
                    </Button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </ScrollingTable>
      )}
      <MoreButton
        list={{ items: companies, hasMore: pages.hasNextPage, loadingMore: pages.isFetchingNextPage, more: () => void pages.fetchNextPage() }}
        label="Afficher plus d'entreprises"
        itemId={(c) => `equipe-entreprise-${c.siren}`}
      />
      {manager && <AddCompanies teamId={team.id} />}
      <companyModal.Component
        title={leaving ? `Retirer ${leaving.name} de l'équipe ${team.name} ?` : "Retirer l'entreprise"}
        buttons={[
          { children: "Annuler", priority: "secondary" },
          { children: "Retirer l'entreprise", onClick: () => leaving && action.mutate({ kind: "remove-company", siren: leaving.siren }) },
        ]}
      >
        {leaving && (
          <p>
            {members === 0
              ? `L'équipe n'a aucun membre actif : personne ne perd d'accès à ${leaving.name}.`
              : `${members > 1 ? `Les ${members} membres de l'équipe perdent` : "Le membre de l'équipe perd"} dès maintenant l'habilitation de l'équipe sur ${leaving.name} (SIREN ${leaving.siren}) ; leurs autres habilitations restent.`}
          </p>
        )}
      </companyModal.Component>
    </section>
  );
}

/** Its manager renames the team or closes it (once confirmed: every right it gave ends at once). */
function Manage({ team }: { team: Team }) {
  const catalogue = useCatalogue();
  const navigate = useNavigate();
  const action = useTeamAction(team.id);
  const [name, setName] = useState(team.name);
  const [renamed, setRenamed] = useState("");
  const { run, busy, error } = useAction(async () => {
    refuseFields({
      name: !name.trim()
        ? "saisissez le nouveau nom de l'équipe."
        : name.trim().replace(/\s+/g, " ") === team.name && "c'est déjà le nom de l'équipe : saisissez-en un autre.",
    });
    await action.mutateAsync({ kind: "rename", name });
    setRenamed(name.trim().replace(/\s+/g, " "));
  });
  const form = useFormErrors(error, { name: "Nom de l'équipe" });
  const members = team.members.filter((m) => m.state === "active").length;
  const close = useTeamAction(team.id);
  return (
    <section aria-labelledby="gerer" className="fr-mt-6w">
      <h2 id="gerer">Gérer l'équipe</h2>
      <FormColumn>
        <form onSubmit={(e) => void run(e)} noValidate>
          {renamed && <Alert severity="success" small className="fr-mb-2w" description={`L'équipe s'appelle désormais « ${renamed} ».`} />}
          {form.summary}
          <Input
            label="Nom de l'équipe"
            hintText="Unique dans votre cabinet ; les entreprises et les membres voient le nouveau nom."
            nativeInputProps={{ ...form.native("name"), value: name, maxLength: 80, onChange: (e) => setName(e.target.value) }}
            {...form.props("name")}
          />
          <Button type="submit" priority="secondary" disabled={busy}>
            Renommer
          </Button>
        </form>
      </FormColumn>
      <ErrorAlert error={close.error} />
      <Button className="fr-mt-3w" priority="tertiary" iconId="fr-icon-delete-line" disabled={close.isPending} onClick={() => closeModal.open()}>
        Fermer l'équipe…
      </Button>
      <closeModal.Component
        title={`Fermer l'équipe ${team.name} ?`}
        buttons={[
          { children: "Annuler", priority: "secondary" },
          {
            children: "Fermer l'équipe",
            onClick: () => close.mutate({ kind: "close" }, { onSuccess: () => void navigate("/equipes", { state: { closed: team.name } }) }),
          },
        ]}
      >
        <p>
          {members === 0 || team.companies === 0
            ? `L'équipe n'a ${members === 0 ? "aucun membre actif" : "aucune entreprise"} : personne ne perd d'accès.`
            : `${members > 1 ? `Les ${members} membres perdent` : "Le membre perd"} dès maintenant l'habilitation de l'équipe (${grantWords(team.grant, catalogue)}) sur ses ${plural(team.companies, "entreprise", "entreprises")}, avec les délégations faites à partir d'elle ; ${members > 1 ? "leurs" : "ses"} autres habilitations restent.`}
        </p>
        <p>L'équipe disparaît de la liste ; l'historique des habilitations de chaque entreprise garde son nom.</p>
      </closeModal.Component>
    </section>
  );
}

/** A team's page: its grant, its members and its companies; the invited colleague accepts here. */
export function TeamPage() {
  const { id = "" } = useParams();
  const { person } = useSession();
  const catalogue = useCatalogue();
  const team = useTeam(id);
  const join = useTeamAction(id);
  if (person === null) return <Navigate to="/connexion" replace />;
  const t = team.data;
  return (
    <Page
      title={t ? `Équipe ${t.name}` : "Équipe"}
      trail={[{ label: "Équipes", to: "/equipes" }]}
      lead={t ? `${grantWords(t.grant, catalogue)}. Gérée par ${t.owner.displayName}, ${t.firmName}.` : undefined}
    >
      <ErrorAlert error={team.error} />
      {t && t.myState === "invited" && (
        <div className="fr-callout fr-mb-3w">
          <h2 className="fr-callout__title">Vous êtes invité dans cette équipe</h2>
          <p className="fr-callout__text">
            En l'acceptant, vous recevez cette habilitation sur chacune de ses {t.companies} entreprises ; chaque entreprise en est avertie.
          </p>
          <ErrorAlert error={join.error} />
          <Button disabled={join.isPending} onClick={() => join.mutate({ kind: "join" })}>
            Rejoindre l'équipe
          </Button>
        </div>
      )}
      {t && person && <Members team={t} me={person.id} />}
      {t && <Companies team={t} />}
      {t && t.myState === "owner" && <Manage team={t} />}
    </Page>
  );
}
