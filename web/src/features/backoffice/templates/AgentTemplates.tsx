import { useRef, useState } from "react";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { client, ok } from "../../../shared/api/client";
import { ErrorAlert } from "../../../shared/components/page";
import { AgentPage } from "../shared/backoffice";
import { backofficeKeys, useTemplates } from "../queries";
import { TemplateForm, type Template } from "./TemplateForm";

const deleteModal = createModal({ id: "supprimer-modele", isOpenedByDefault: false });

type Agent = { name: string; isSupervisor: boolean; services: { code: string; name: string }[] };
/** What the page shows: the list, or the form for a new template or for one of the list. */
type Editing = { kind: "new" } | { kind: "edit"; template: Template } | undefined;

/**
 * The answer templates of my services (product §18): searchable by title, filtered by service. Supervisors write,
 * edit and delete them (a deletion is confirmed in a dialog); agents read them and insert them from a request's page.
 */
export function AgentTemplates() {
  return <AgentPage title="Modèles de réponse">{(agent) => <Templates agent={agent} />}</AgentPage>;
}

function Templates({ agent }: { agent: Agent }) {
  const queryClient = useQueryClient();
  const { data, error: loadError } = useTemplates();
  const [q, setQ] = useState("");
  const [service, setService] = useState("");
  const [editing, setEditing] = useState<Editing>();
  const [done, setDone] = useState<string>();
  const [toDelete, setToDelete] = useState<Template>();
  const status = useRef<HTMLDivElement>(null);
  const serviceName = new Map(agent.services.map((s) => [s.code, s.name]));

  /** After a change: the message is read (aria-live), and the focus goes to it rather than to a button now gone. */
  const finished = (message: string) => {
    setEditing(undefined);
    setDone(message);
    requestAnimationFrame(() => status.current?.focus());
  };
  const remove = useMutation({
    mutationFn: (t: Template) => ok(client.DELETE("/api/v1/backoffice/templates/{id}", { params: { path: { id: t.id } } })),
    onMutate: () => setDone(undefined),
    onSuccess: async (_, t) => {
      await Promise.all(backofficeKeys.templateViews.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      finished(`Modèle « ${t.title} » supprimé.`);
    },
  });

  const words = q.trim().toLocaleLowerCase("fr-FR");
  const items = (data?.items ?? []).filter((t) => (!service || t.serviceCode === service) && (!words || t.title.toLocaleLowerCase("fr-FR").includes(words)));
  const error = remove.error ?? loadError;

  return (
    <>
      {agent.isSupervisor ? (
        <p>
          Les modèles sont proposés dans la réponse à une demande de leur service, les variables remplies. Vous les rédigez, les modifiez et les supprimez ici.
        </p>
      ) : (
        <Alert
          severity="info"
          small
          className="fr-mb-3w"
          description="Les modèles de réponse de vos services sont rédigés par leurs superviseurs : vous les consultez ici et les insérez dans vos réponses depuis la page d'une demande."
        />
      )}
      <div ref={status} tabIndex={-1} role="status" aria-live="polite">
        {done && <Alert severity="success" small description={done} className="fr-mb-2w" />}
      </div>
      <ErrorAlert error={error} />

      {agent.isSupervisor && editing ? (
        <TemplateForm
          key={editing.kind === "edit" ? editing.template.id : "nouveau"}
          template={editing.kind === "edit" ? editing.template : undefined}
          services={agent.services}
          variables={data?.variables ?? {}}
          agentName={agent.name}
          onSaved={finished}
          onCancel={() => setEditing(undefined)}
        />
      ) : (
        agent.isSupervisor && (
          <Button
            className="fr-mb-3w"
            iconId="fr-icon-add-line"
            onClick={() => {
              setDone(undefined);
              setEditing({ kind: "new" });
            }}
          >
            Nouveau modèle
          </Button>
        )
      )}

      <deleteModal.Component title={`Supprimer le modèle « ${toDelete?.title ?? ""} » ?`}>
        <p>
          Il ne sera plus proposé dans les réponses du service {toDelete ? (serviceName.get(toDelete.serviceCode) ?? toDelete.serviceCode) : ""}. Les messages
          déjà envoyés ne changent pas.
        </p>
        <ul className="fr-btns-group fr-btns-group--inline-md">
          <li>
            <Button
              type="button"
              onClick={() => {
                deleteModal.close();
                if (toDelete) remove.mutate(toDelete);
              }}
            >
              Supprimer le modèle
            </Button>
          </li>
          <li>
            <Button type="button" priority="secondary" onClick={() => deleteModal.close()}>
              Annuler
            </Button>
          </li>
        </ul>
      </deleteModal.Component>

      <h2 className="fr-h4">Modèles de mes services</h2>
      <form role="search" className="fr-grid-row fr-grid-row--gutters fr-mb-2w" onSubmit={(e) => e.preventDefault()}>
        <div className="fr-col-12 fr-col-md-6">
          <Input label="Rechercher par titre" nativeInputProps={{ type: "search", value: q, onChange: (e) => setQ(e.target.value) }} />
        </div>
        <div className="fr-col-12 fr-col-md-6">
          <Select label="Service" nativeSelectProps={{ value: service, onChange: (e) => setService(e.target.value) }}>
            <option value="">Tous mes services</option>
            {agent.services.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name}
              </option>
            ))}
          </Select>
        </div>
      </form>
      <p className="fr-text--sm" aria-live="polite">
        {!data
          ? "Chargement…"
          : items.length === 0
            ? data.items.length === 0
              ? "Aucun modèle pour vos services."
              : "Aucun modèle ne correspond."
            : `${items.length} modèle${items.length > 1 ? "s" : ""}`}
      </p>
      <ul className="fr-raw-list">
        {items.map((t) => (
          <li key={t.id} className="fr-card fr-p-2w fr-mb-2w">
            <h3 className="fr-h6 fr-mb-1w">{t.title}</h3>
            <p className="fr-text--sm fr-mb-1w">{serviceName.get(t.serviceCode) ?? t.serviceCode}</p>
            <p className="fr-text--sm fr-mb-1w" style={{ whiteSpace: "pre-wrap" }}>
              {t.body}
            </p>
            {agent.isSupervisor && (
              <ul className="fr-btns-group fr-btns-group--inline fr-btns-group--sm fr-mb-0">
                <li>
                  <Button
                    type="button"
                    priority="secondary"
                    size="small"
                    nativeButtonProps={{ "aria-label": `Modifier le modèle « ${t.title} »` }}
                    onClick={() => {
                      setDone(undefined);
                      setEditing({ kind: "edit", template: t });
                      window.scrollTo({ top: 0 });
                    }}
                  >
                    Modifier
                  </Button>
                </li>
                <li>
                  <Button
                    type="button"
                    priority="tertiary"
                    size="small"
                    nativeButtonProps={{ "aria-label": `Supprimer le modèle « ${t.title} »` }}
                    onClick={() => {
                      setToDelete(t);
                      deleteModal.open();
                    }}
                  >
                    Supprimer
                  </Button>
                </li>
              </ul>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
