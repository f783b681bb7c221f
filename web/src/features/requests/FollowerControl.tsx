import { useEffect, useId, useState } from "react";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { client, ok } from "../../shared/api/client";
import type { Colleague } from "../../shared/api/types";
import { ErrorAlert, refuseFields, useAction, useFormErrors } from "../../shared/components/page";
import { requestKeys, usePossibleFollowers } from "./queries";

/**
 * « Suivie par »: who follows the request inside the firm. A colleague is chosen among those who may see it (searched
 * by name on the server), or the person takes it herself (« Me l'attribuer »), or nobody follows it any more.
 */
export function FollowerControl({ requestId, followedBy, me }: { requestId: string; followedBy: Colleague | null; me: string }) {
  const headingId = useId();
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [choice, setChoice] = useState("");
  // The server is asked once the typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
  const colleagues = usePossibleFollowers(requestId, query, true);
  const changes = [requestKeys.all];
  const setFollower = (personId: string | null) => async () => {
    await ok(client.POST("/api/v1/requests/{id}/follower", { params: { path: { id: requestId } }, body: { personId } }));
  };
  const give = useAction(async () => {
    // The button stays enabled: no one chosen is said under the list, which takes the focus.
    refuseFields({ personId: !choice && "choisissez la personne à qui confier le suivi." });
    await setFollower(choice)();
    setChoice("");
  }, changes);
  const take = useAction(setFollower(me), changes);
  const release = useAction(setFollower(null), changes);
  const giveErrors = useFormErrors(give.error, { personId: "Confier le suivi à" }, {}, { focus: "field", ids: { personId: `${headingId}-personne` } });
  const busy = give.busy || take.busy || release.busy;
  const items = colleagues.data?.items ?? [];
  return (
    <section aria-labelledby={headingId} className="fr-mb-3w">
      <h2 id={headingId} className="fr-h6 fr-mb-1w">
        Suivie par
      </h2>
      <p aria-live="polite">
        {followedBy === null
          ? "Personne ne suit cette demande."
          : followedBy.id === me
            ? "Vous suivez cette demande."
            : `Cette demande est suivie par ${followedBy.displayName}.`}
      </p>
      <ErrorAlert error={take.error ?? release.error ?? colleagues.error ?? undefined} />
      {giveErrors.summary}
      <form onSubmit={(e) => void give.run(e)} className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom">
        <div className="fr-col-12 fr-col-md-4">
          <Input
            label="Rechercher une personne"
            hintText="Une partie du nom."
            nativeInputProps={{ type: "search", value: search, onChange: (e) => setSearch(e.target.value) }}
          />
        </div>
        <div className="fr-col-12 fr-col-md-4">
          <Select
            label="Confier le suivi à"
            hint={
              colleagues.data?.nextCursor
                ? `Les ${items.length} premières personnes : précisez la recherche pour trouver les autres.`
                : "Vos collègues habilités à voir cette demande."
            }
            {...giveErrors.props("personId")}
            nativeSelectProps={{ ...giveErrors.native("personId"), value: choice, onChange: (e) => setChoice(e.target.value) }}
          >
            <option value="">{items.length === 0 && !colleagues.isPending ? "Aucune personne ne correspond" : "Choisir une personne"}</option>
            {items.map((c) => (
              <option key={c.id} value={c.id}>
                {c.displayName}
                {c.id === me ? " (vous)" : ""}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-4 fr-mb-3w">
          <ul className="fr-btns-group fr-btns-group--inline fr-btns-group--sm">
            <li>
              <Button type="submit" priority="secondary" disabled={busy}>
                Confier le suivi
              </Button>
            </li>
            {followedBy?.id !== me && (
              <li>
                <Button type="button" priority="tertiary" disabled={busy} onClick={() => void take.run()}>
                  Me l'attribuer
                </Button>
              </li>
            )}
            {followedBy && (
              <li>
                <Button type="button" priority="tertiary" disabled={busy} onClick={() => void release.run()}>
                  Retirer le suivi
                </Button>
              </li>
            )}
          </ul>
        </div>
      </form>
    </section>
  );
}
