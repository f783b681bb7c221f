import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { client, ok } from "../../shared/api/client";
import { frenchDate, type Company, type CompanySoftware as Row } from "../../shared/api/types";
import { ErrorAlert } from "../../shared/components/page";
import { softwareKeys, useCompanySoftware } from "./queries";
import { MoreButton } from "../../shared/query";

const cutOffModal = createModal({ id: "confirmer-coupure-logiciel", isOpenedByDefault: false });

/**
 * The software acting for the company through a person (« Logiciel X, via Claire Vasseur, depuis le … »), each with
 * the button that cuts it off for this company alone. For administrators and deputies.
 */
export function CompanySoftware({ company }: { company: Company }) {
  const siren = company.siren;
  const queryClient = useQueryClient();
  const list = useCompanySoftware(siren);
  const items = list.items ?? [];
  const [pending, setPending] = useState<Row | undefined>();
  // Cut off or not (someone else may have been first), the list is asked again.
  const cutOff = useMutation({
    mutationFn: (row: Row) => ok(client.POST("/api/v1/companies/{siren}/software/{id}/cut-off", { params: { path: { siren, id: row.id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: softwareKeys.company(siren) }),
  });

  return (
    <>
      <h3 className="fr-mt-4w" id="logiciels">
        Logiciels qui agissent pour l'entreprise
      </h3>
      <ErrorAlert error={cutOff.error ?? list.error} />
      {items.length === 0 ? (
        <p>Aucun logiciel n'agit aujourd'hui pour {company.name}.</p>
      ) : (
        <ul className="fr-raw-list">
          {items.map((s) => (
            <li key={s.id} id={`logiciel-${s.id}`} className="fr-mb-2w" data-software={s.software.name}>
              <p className="fr-mb-1v">
                <strong>Logiciel {s.software.name}</strong>, via {s.via.name}, depuis le {frenchDate(s.since)}
                {s.lastUsedAt ? ` — dernière action le ${frenchDate(s.lastUsedAt)}` : ""}
              </p>
              {s.cutOff ? (
                <p className="fr-badge fr-badge--warning fr-badge--sm">
                  Accès coupé le {frenchDate(s.cutOff.at)} par {s.cutOff.by}
                </p>
              ) : (
                <Button
                  size="small"
                  priority="secondary"
                  title={`Couper l'accès du logiciel ${s.software.name} (via ${s.via.name}) pour ${company.name}`}
                  onClick={() => {
                    setPending(s);
                    cutOffModal.open();
                  }}
                >
                  Couper l'accès pour l'entreprise…
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      <MoreButton list={list} label="Voir les logiciels suivants" itemId={(s) => `logiciel-${s.id}`} />
      <cutOffModal.Component
        title={pending ? `Couper l'accès de ${pending.software.name} ?` : "Couper l'accès"}
        buttons={[
          { children: "Annuler", priority: "secondary" },
          { children: "Couper l'accès", onClick: () => pending && cutOff.mutate(pending) },
        ]}
      >
        {pending && (
          <p>
            Le logiciel {pending.software.name} ne pourra plus agir pour {company.name} par l'intermédiaire de {pending.via.name}, dès son prochain appel.{" "}
            {pending.via.name} garde ses propres habilitations et peut toujours agir elle-même depuis son espace.
          </p>
        )}
      </cutOffModal.Component>
    </>
  );
}
