import { useState } from "react";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { api, frenchDate, type Company, type CompanySoftware as Row } from "../api";
import { ErrorAlert, useCursorList } from "../components";

const cutOffModal = createModal({ id: "confirmer-coupure-logiciel", isOpenedByDefault: false });

/**
 * The software acting for the company through a person (« Logiciel X, via Claire Vasseur, depuis le … »), each with
 * the button that cuts it off for this company alone. For administrators and deputies.
 */
export function CompanySoftware({ company }: { company: Company }) {
  const list = useCursorList<Row>(`/api/v1/companies/${company.siren}/software?limit=50`);
  const items = list.items ?? [];
  const [pending, setPending] = useState<Row | undefined>();
  const cutOff = async (row: Row) => {
    list.setError(undefined);
    try {
      await api("POST", `/api/v1/companies/${company.siren}/software/${row.id}/cut-off`);
    } catch (e) {
      list.setError(e);
    }
    void list.reload();
  };

  return (
    <>
      <h3 className="fr-mt-4w" id="logiciels">
        Logiciels qui agissent pour l'entreprise
      </h3>
      <ErrorAlert error={list.error} />
      {items.length === 0 ? (
        <p>Aucun logiciel n'agit aujourd'hui pour {company.name}.</p>
      ) : (
        <ul className="fr-raw-list">
          {items.map((s) => (
            <li key={s.id} className="fr-mb-2w" data-software={s.software.name}>
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
      {list.next && (
        <Button priority="tertiary" onClick={() => void list.more()}>
          Voir les logiciels suivants
        </Button>
      )}
      <cutOffModal.Component
        title={pending ? `Couper l'accès de ${pending.software.name} ?` : "Couper l'accès"}
        buttons={[
          { children: "Annuler", priority: "secondary" },
          { children: "Couper l'accès", onClick: () => pending && void cutOff(pending) },
        ]}
      >
        {pending && (
          <p>
            Le logiciel {pending.software.name} ne pourra plus agir pour {company.name} par l'intermédiaire de {pending.via.name}, dès son prochain appel. {pending.via.name} garde
            ses propres habilitations et peut toujours agir elle-même depuis son espace.
          </p>
        )}
      </cutOffModal.Component>
    </>
  );
}
