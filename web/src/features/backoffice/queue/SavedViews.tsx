import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { ApiError, client, ok } from "../../../shared/api/client";
import { ErrorAlert, refuseFields, useFormErrors } from "../../../shared/components/page";

const viewsKey = ["backoffice", "views"] as const;

/**
 * My saved views of the queue (issue 24): pick one (its filters and sort replace the address's), save the current
 * ones under a name, delete the one picked. Nobody else sees them.
 */
export function SavedViews({ current, onPick }: { current: string; onPick: (query: string) => void }) {
  const queryClient = useQueryClient();
  const { data, error } = useQuery({ queryKey: viewsKey, queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/views", { signal })) });
  const [name, setName] = useState("");
  const [picked, setPicked] = useState("");
  const [done, setDone] = useState("");
  const refresh = () => queryClient.invalidateQueries({ queryKey: viewsKey });
  const save = useMutation({
    mutationFn: () => {
      refuseFields({ name: !name.trim() && "saisissez un nom pour la vue." });
      return ok(client.POST("/api/v1/backoffice/views", { body: { name, query: current } }));
    },
    onSuccess: async (v) => {
      setName("");
      setPicked(v.id);
      setDone(`Vue « ${v.name} » enregistrée.`);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => ok(client.DELETE("/api/v1/backoffice/views/{id}", { params: { path: { id } } })),
    onSuccess: async () => {
      setPicked("");
      setDone("Vue supprimée.");
      await refresh();
    },
  });
  // The name's errors under the field, named as it is labelled; the focus goes back to it. A name already taken is
  // the field's error too (the server's sentence names the field: only what follows is shown under it).
  const taken = save.error instanceof ApiError && save.error.code === "view_name_taken" ? save.error.message.replace(/^Nom de la vue : /, "") : undefined;
  const errors = useFormErrors(save.error, { name: "Nom de la vue" }, { name: taken }, { focus: "field" });
  const views = data?.items ?? [];
  return (
    <section aria-labelledby="vues-titre" className="fr-mb-2w">
      <h2 id="vues-titre" className="fr-h6 fr-mb-1w">
        Mes vues
      </h2>
      <div className="fr-grid-row fr-grid-row--gutters">
        <div className="fr-col-12 fr-col-md-5">
          <Select
            label="Vue enregistrée"
            nativeSelectProps={{
              value: picked,
              onChange: (e) => {
                setPicked(e.target.value);
                const v = views.find((x) => x.id === e.target.value);
                if (v) onPick(v.query);
              },
            }}
          >
            <option value="">{views.length ? "Choisir une vue" : "Aucune vue enregistrée"}</option>
            {views.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </Select>
          {picked && (
            <Button type="button" priority="tertiary" size="small" onClick={() => remove.mutate(picked)} disabled={remove.isPending}>
              Supprimer cette vue
            </Button>
          )}
        </div>
        <form
          className="fr-col-12 fr-col-md-7"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          {errors.summary}
          <Input
            label="Nom de la vue"
            hintText="Enregistre les filtres et le tri affichés"
            {...errors.props("name")}
            nativeInputProps={{ ...errors.native("name"), value: name, onChange: (e) => setName(e.target.value), maxLength: 80 }}
          />
          <Button type="submit" priority="secondary" size="small" disabled={save.isPending}>
            Enregistrer la vue
          </Button>
        </form>
      </div>
      <p className="fr-sr-only" aria-live="polite">
        {done}
      </p>
      <ErrorAlert error={error ?? remove.error} />
    </section>
  );
}
