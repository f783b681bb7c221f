import { useCallback, useEffect, useState } from "react";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { api, DELEGATION_STATUS_LABELS, frenchDate, ROLE_LABELS, type Delegation } from "../api";
import { ErrorAlert } from "../components";
import { serviceLabel, useCatalogue } from "../catalogue";


function describe(d: Delegation, catalogue: ReturnType<typeof useCatalogue>): string {
  const services = d.services.map((s) => serviceLabel(catalogue, s)).join(", ");
  const scope = d.taxScope ? ` — messagerie limitée à ${d.taxScope.join(", ")}` : "";
  const end = d.validUntil ? ` — jusqu'au ${frenchDate(d.validUntil)}` : "";
  return `${ROLE_LABELS[d.role]} : ${services}${scope}${end}`;
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
  const by = new Map<string, { spaceId: string; name: string; ids: string[] }>();
  for (const d of given) {
    if (!(d.status === "offered" || (d.status === "accepted" && d.rightsState !== "revoked"))) continue;
    const g = by.get(d.to.spaceId) ?? { spaceId: d.to.spaceId, name: `${d.to.firstName} ${d.to.lastName}`, ids: [] };
    g.ids.push(d.id);
    by.set(d.to.spaceId, g);
  }
  return [...by.values()].filter((g) => g.ids.length > 1);
}

/** Offers received (accept / decline) and given (suspend, reactivate, revoke), on « mon espace ». */
export function Delegations({ onChange }: { onChange: () => void }) {
  const catalogue = useCatalogue();
  const [items, setItems] = useState<Delegation[] | undefined>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const load = useCallback(() => api<{ items: Delegation[]; nextCursor: string | null }>("GET", "/api/v1/delegations").then((r) => (setItems(r.items), setNext(r.nextCursor)), setError), []);
  const more = () =>
    next && api<{ items: Delegation[]; nextCursor: string | null }>("GET", `/api/v1/delegations?cursor=${next}`).then((r) => (setItems([...(items ?? []), ...r.items]), setNext(r.nextCursor)), setError);
  useEffect(() => {
    void load();
  }, [load]);
  const act = async (method: "POST" | "PATCH" | "DELETE", path: string, body?: unknown) => {
    setError(undefined);
    try {
      await api(method, path, body);
      await load();
      onChange();
    } catch (e) {
      setError(e);
    }
  };
  if (!items || items.length === 0) return null;
  const received = items.filter((d) => d.direction === "received");
  const given = items.filter((d) => d.direction === "given");
  return (
    <>
      <h2 className="fr-mt-6w">Habilitations</h2>
      <ErrorAlert error={error} />
      {received.length > 0 && <h3 className="fr-h6">Proposées à moi</h3>}
      {grantors(received).map((g) => (
        <p key={g.spaceId}>
          <Button size="small" iconId="fr-icon-check-line" onClick={() => void act("POST", "/api/v1/delegations/accept-all", { grantorSpaceId: g.spaceId })}>
            {`Tout accepter de ${g.name} (${g.count} propositions)`}
          </Button>
        </p>
      ))}
      {received.map((d) => (
        <section key={d.id} className="fr-card fr-p-3w fr-mb-2w" aria-label={`Habilitation proposée par ${d.from.firstName} ${d.from.lastName} pour ${d.companyName}`}>
          <p className="fr-mb-1w">
            <strong>{d.companyName}</strong> (SIREN {d.siren}) — proposée par {d.from.firstName} {d.from.lastName} <Badge small>{DELEGATION_STATUS_LABELS[d.status] ?? d.status}</Badge>
          </p>
          <p className="fr-text--sm fr-mb-1w">{describe(d, catalogue)}</p>
          {d.status === "offered" && (
            <>
              <p className="fr-text--sm">À accepter avant le {frenchDate(d.expiresAt)}.</p>
              <Button size="small" onClick={() => void act("POST", `/api/v1/delegations/${d.id}/accept`)}>
                Accepter
              </Button>{" "}
              <Button size="small" priority="secondary" onClick={() => void act("POST", `/api/v1/delegations/${d.id}/decline`)}>
                Refuser
              </Button>
            </>
          )}
        </section>
      ))}
      {given.length > 0 && <h3 className="fr-h6">Accordées par moi</h3>}
      {grantees(given).map((g) => (
        <p key={g.spaceId}>
          <Button size="small" priority="secondary" iconId="fr-icon-close-circle-line" onClick={() => void act("POST", "/api/v1/delegations/revoke-batch", { ids: g.ids })}>
            {`Révoquer les ${g.ids.length} habilitations accordées à ${g.name} (ci-dessous)`}
          </Button>
        </p>
      ))}
      {given.map((d) => (
        <section key={d.id} className="fr-card fr-p-3w fr-mb-2w" aria-label={`Habilitation accordée à ${d.to.firstName} ${d.to.lastName} pour ${d.companyName}`}>
          <p className="fr-mb-1w">
            <strong>{d.companyName}</strong> — à {d.to.firstName} {d.to.lastName} ({d.to.connectionEmail}){" "}
            <Badge small severity={d.rightsState === "suspended" ? "warning" : "info"}>{d.rightsState === "suspended" ? "En veille" : (DELEGATION_STATUS_LABELS[d.status] ?? d.status)}</Badge>
          </p>
          <p className="fr-text--sm fr-mb-1w">{describe(d, catalogue)}</p>
          {d.status === "accepted" && d.rightsState === "active" && (
            <Button size="small" priority="secondary" onClick={() => void act("PATCH", `/api/v1/delegations/${d.id}`, { state: "suspended" })}>
              Mettre en veille
            </Button>
          )}
          {d.status === "accepted" && d.rightsState === "suspended" && (
            <Button size="small" priority="secondary" onClick={() => void act("PATCH", `/api/v1/delegations/${d.id}`, { state: "active" })}>
              Réactiver
            </Button>
          )}{" "}
          {(d.status === "accepted" || d.status === "offered") && (
            <Button size="small" priority="tertiary" onClick={() => void act("DELETE", `/api/v1/delegations/${d.id}`)}>
              {d.status === "offered" ? "Retirer la proposition" : "Révoquer"}
            </Button>
          )}
        </section>
      ))}
      {next && (
        <Button priority="secondary" onClick={() => void more()}>
          Afficher plus d'habilitations
        </Button>
      )}
    </>
  );
}
