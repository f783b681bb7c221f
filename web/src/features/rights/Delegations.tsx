import { useState, type ReactNode } from "react";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { DELEGATION_STATUS_LABELS, frenchDate, ROLE_LABELS, type Delegation } from "../../shared/api/types";
import { ErrorAlert } from "../../shared/components/page";
import { serviceLabel, useCatalogue } from "../../shared/catalogue";
import { MoreButton, useKeysetList } from "../../shared/query";
import { delegationsPage, rightsKeys, useDelegationAction, type DelegationAction } from "./queries";

const confirmModal = createModal({ id: "confirmer-habilitation", isOpenedByDefault: false });

/** An action that ends or stops someone's access, waiting for the person's confirmation (who loses what). */
type Pending = { title: string; body: ReactNode; confirm: string; action: DelegationAction };

function describe(d: Delegation, catalogue: ReturnType<typeof useCatalogue>): string {
  const services = d.services.map((s) => serviceLabel(catalogue, s)).join(", ");
  const scope = d.taxScope ? ` — messagerie limitée à ${d.taxScope.join(", ")}` : "";
  const end = d.validUntil ? ` — jusqu'au ${frenchDate(d.validUntil)}` : "";
  return `${ROLE_LABELS[d.role]} : ${services}${scope}${end}`;
}

/** The confirmation of « Retirer la proposition » (an offer not yet accepted) or « Révoquer » (a delegation in force). */
function withdrawal(d: Delegation, catalogue: ReturnType<typeof useCatalogue>): Pending {
  const name = `${d.to.firstName} ${d.to.lastName}`;
  if (d.status === "offered") {
    return {
      title: `Retirer la proposition faite à ${name} ?`,
      body: (
        <p>
          {name} ne pourra plus accepter d'agir pour {d.companyName} ({describe(d, catalogue)}).
        </p>
      ),
      confirm: "Retirer la proposition",
      action: { kind: "withdraw", id: d.id },
    };
  }
  return {
    title: `Révoquer l'habilitation de ${name} ?`,
    body: (
      <p>
        {name} ne pourra plus agir pour {d.companyName} ({describe(d, catalogue)}) dès maintenant
        {d.role === "deputy" ? ", et les habilitations qu'elle a données à partir de celle-ci tombent aussi" : ""}.
      </p>
    ),
    confirm: "Révoquer",
    action: { kind: "withdraw", id: d.id },
  };
}

/** The grantors with more than one pending offer to me (« tout accepter »). */
function grantors(received: Delegation[]) {
  const by = new Map<string, { spaceId: string; name: string; count: number }>();
  for (const d of received) {
    if (d.status !== "offered") continue;
    const g = by.get(d.from.spaceId) ?? { spaceId: d.from.spaceId, name: `${d.from.firstName} ${d.from.lastName}`, count: 0 };
    g.count++;
    by.set(d.from.spaceId, g);
  }
  return [...by.values()].filter((g) => g.count > 1);
}

/** The people to whom I gave more than one live or pending delegation (bulk revocation of those listed). */
function grantees(given: Delegation[]) {
  const by = new Map<string, { spaceId: string; name: string; given: Delegation[] }>();
  for (const d of given) {
    if (!(d.status === "offered" || (d.status === "accepted" && d.rightsState !== "revoked"))) continue;
    const g = by.get(d.to.spaceId) ?? { spaceId: d.to.spaceId, name: `${d.to.firstName} ${d.to.lastName}`, given: [] };
    g.given.push(d);
    by.set(d.to.spaceId, g);
  }
  return [...by.values()].filter((g) => g.given.length > 1);
}

/** Offers received (accept / decline) and given (suspend, reactivate, revoke), on « mon espace ». */
export function Delegations() {
  const catalogue = useCatalogue();
  const list = useKeysetList(rightsKeys.delegations, delegationsPage);
  const action = useDelegationAction();
  const act = (a: DelegationAction) => action.mutate(a);
  const [pending, setPending] = useState<Pending | undefined>();
  /** Asks first: what stops someone's access is done only once confirmed. */
  const ask = (p: Pending) => {
    setPending(p);
    confirmModal.open();
  };
  const items = list.items;
  if (!items || items.length === 0) return null;
  const received = items.filter((d) => d.direction === "received");
  const given = items.filter((d) => d.direction === "given");
  return (
    <>
      <h2 className="fr-mt-6w">Habilitations</h2>
      <ErrorAlert error={action.error ?? list.error} />
      {received.length > 0 && <h3 className="fr-h6">Proposées à moi</h3>}
      {grantors(received).map((g) => (
        <p key={g.spaceId}>
          <Button size="small" iconId="fr-icon-check-line" onClick={() => act({ kind: "accept-all", grantorSpaceId: g.spaceId })}>
            {`Tout accepter de ${g.name} (${g.count} propositions)`}
          </Button>
        </p>
      ))}
      {received.map((d) => (
        <section
          key={d.id}
          id={`habilitation-${d.id}`}
          className="fr-card fr-p-3w fr-mb-2w"
          aria-label={`Habilitation proposée par ${d.from.firstName} ${d.from.lastName} pour ${d.companyName}`}
        >
          <p className="fr-mb-1w">
            <strong>{d.companyName}</strong> (SIREN {d.siren}) — proposée par {d.from.firstName} {d.from.lastName}{" "}
            <Badge small>{DELEGATION_STATUS_LABELS[d.status] ?? d.status}</Badge>
          </p>
          <p className="fr-text--sm fr-mb-1w">{describe(d, catalogue)}</p>
          {d.status === "offered" && (
            <>
              <p className="fr-text--sm">À accepter avant le {frenchDate(d.expiresAt)}.</p>
              <Button size="small" onClick={() => act({ kind: "accept", id: d.id })}>
                Accepter
              </Button>{" "}
              <Button size="small" priority="secondary" onClick={() => act({ kind: "decline", id: d.id })}>
                Refuser
              </Button>
            </>
          )}
        </section>
      ))}
      {given.length > 0 && <h3 className="fr-h6">Accordées par moi</h3>}
      {grantees(given).map((g) => (
        <p key={g.spaceId}>
          <Button
            size="small"
            priority="secondary"
            iconId="fr-icon-close-circle-line"
            onClick={() =>
              ask({
                title: `Révoquer les ${g.given.length} habilitations accordées à ${g.name} ?`,
                body: (
                  <>
                    <p className="fr-mb-1w">{g.name} perd dès maintenant :</p>
                    <ul>
                      {g.given.map((d) => (
                        <li key={d.id}>
                          {d.companyName} — {describe(d, catalogue)}
                          {d.status === "offered" ? " (proposition retirée)" : ""}
                        </li>
                      ))}
                    </ul>
                  </>
                ),
                confirm: `Révoquer les ${g.given.length} habilitations`,
                action: { kind: "revoke-batch", ids: g.given.map((d) => d.id) },
              })
            }
          >
            {`Révoquer les ${g.given.length} habilitations accordées à ${g.name} (ci-dessous)`}
          </Button>
        </p>
      ))}
      {given.map((d) => (
        <section
          key={d.id}
          id={`habilitation-${d.id}`}
          className="fr-card fr-p-3w fr-mb-2w"
          aria-label={`Habilitation accordée à ${d.to.firstName} ${d.to.lastName} pour ${d.companyName}`}
        >
          <p className="fr-mb-1w">
            <strong>{d.companyName}</strong> — à {d.to.firstName} {d.to.lastName} ({d.to.connectionEmail}){" "}
            <Badge small severity={d.rightsState === "suspended" ? "warning" : "info"}>
              {d.rightsState === "suspended" ? "En veille" : (DELEGATION_STATUS_LABELS[d.status] ?? d.status)}
            </Badge>
          </p>
          <p className="fr-text--sm fr-mb-1w">{describe(d, catalogue)}</p>
          {d.status === "accepted" && d.rightsState === "active" && (
            <Button
              size="small"
              priority="secondary"
              onClick={() =>
                ask({
                  title: `Mettre en veille l'habilitation de ${d.to.firstName} ${d.to.lastName} ?`,
                  body: (
                    <p>
                      {d.to.firstName} {d.to.lastName} ne pourra plus agir pour {d.companyName} ({describe(d, catalogue)}) jusqu'à ce que vous réactiviez
                      l'habilitation.
                    </p>
                  ),
                  confirm: "Mettre en veille",
                  action: { kind: "state", id: d.id, state: "suspended" },
                })
              }
            >
              Mettre en veille…
            </Button>
          )}
          {d.status === "accepted" && d.rightsState === "suspended" && (
            <Button size="small" priority="secondary" onClick={() => act({ kind: "state", id: d.id, state: "active" })}>
              Réactiver
            </Button>
          )}{" "}
          {(d.status === "accepted" || d.status === "offered") && (
            <Button size="small" priority="tertiary" onClick={() => ask(withdrawal(d, catalogue))}>
              {d.status === "offered" ? "Retirer la proposition…" : "Révoquer…"}
            </Button>
          )}
        </section>
      ))}
      <MoreButton list={list} label="Afficher plus d'habilitations" itemId={(d) => `habilitation-${d.id}`} />
      <confirmModal.Component
        title={pending?.title ?? "Confirmer"}
        buttons={[
          { children: "Annuler", priority: "secondary" },
          { children: pending?.confirm ?? "Confirmer", onClick: () => pending && act(pending.action) },
        ]}
      >
        {pending?.body}
      </confirmModal.Component>
    </>
  );
}
