import { useEffect, useRef, useState } from "react";
import { Link, Navigate } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { client, ok } from "../../shared/api/client";
import { ApiError, frenchDate, type Adhesion } from "../../shared/api/types";
import { ErrorAlert, Page, useAction } from "../../shared/components/page";
import { serviceLabel, useCatalogue } from "../../shared/catalogue";
import { useSession } from "../../shared/session";
import { Delegations } from "../rights/Delegations";
import { Portfolio } from "../portfolio/Portfolio";
import { PendingActivations } from "../adhesions/PendingActivations";
import { MoreButton } from "../../shared/query";
import { useAdhesions, useNotificationChoice } from "./queries";

const cancelModal = createModal({ id: "annuler-adhesion", isOpenedByDefault: false });

const STATUS: Record<Adhesion["status"], { label: string; severity: "info" | "success" | "warning" | "error" | "new" }> = {
  awaiting_company_email: { label: "Adresse de l'entreprise à confirmer", severity: "warning" },
  letter_issued: { label: "Courrier envoyé", severity: "info" },
  active: { label: "Active", severity: "success" },
  cancelled: { label: "Annulée", severity: "new" },
  opposed: { label: "Refusée par l'entreprise", severity: "error" },
  expired: { label: "Expirée", severity: "new" },
  voided: { label: "Code annulé", severity: "error" },
};

/** What the person has to do next for an adhesion, in plain words. */
function nextStep(a: Adhesion): string {
  switch (a.status) {
    case "awaiting_company_email":
      return `Un lien a été envoyé le ${frenchDate(a.createdAt)} à ${a.declaredCompanyEmail ?? "l'adresse de l'entreprise"} : il doit être confirmé (72 heures) pour que le courrier d'activation parte.`;
    case "letter_issued":
      return `Un courrier a été envoyé le ${frenchDate(a.letterIssuedAt!)} à l'adresse de l'entreprise ; saisissez le code reçu avant le ${frenchDate(a.codeExpiresAt!)}.`;
    case "active":
      return `Active depuis le ${frenchDate(a.activatedAt!)}.`;
    case "opposed":
      return "L'entreprise s'est opposée à cette demande.";
    case "voided":
      return "Le code a été saisi 5 fois de façon erronée : présentez une nouvelle demande.";
    case "expired":
      return "Le délai est dépassé : présentez une nouvelle demande.";
    default:
      return "Demande annulée.";
  }
}

function ActivationForm({ adhesion, onActivated }: { adhesion: Adhesion; onActivated: (a: Adhesion) => void }) {
  const [code, setCode] = useState("");
  // An active adhesion gives rights: the portfolio and the adhesions (all under "companies") are asked again.
  const { run, busy, error } = useAction(async () => {
    await ok(client.POST("/api/v1/adhesions/{id}/activate", { params: { path: { id: adhesion.id } }, body: { code } }));
    onActivated(adhesion);
  }, [["companies"]]);
  const attemptsLeft = error instanceof ApiError ? (error.details?.attemptsLeft as number | undefined) : undefined;
  return (
    <form onSubmit={(e) => void run(e)} noValidate className="fr-mt-2w">
      <ErrorAlert error={error} />
      <Input
        label={`Code d'activation reçu par courrier — ${adhesion.companyName}`}
        hintText={`12 caractères, au format XXXX-XXXX-XXXX. Essais restants : ${attemptsLeft ?? adhesion.attemptsLeft ?? 5}.`}
        nativeInputProps={{ value: code, onChange: (e) => setCode(e.target.value), autoComplete: "off", spellCheck: false }}
      />
      <Button type="submit" disabled={busy}>
        Activer
      </Button>
    </form>
  );
}

/**
 * The success of an activation, where the form was (which then leaves the list): the company, the services now held
 * as administrator, and what the person can do from now on. It takes the focus, so that it is read at once.
 */
function Activated({ adhesion, catalogue }: { adhesion: Adhesion; catalogue: ReturnType<typeof useCatalogue> }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);
  const services = adhesion.services.map((s) => serviceLabel(catalogue, s)).join(", ");
  const writes = adhesion.services.includes("messagerie");
  return (
    <div ref={box} tabIndex={-1} className="fr-mb-3w">
      <Alert
        severity="success"
        role="status"
        title={`Adhésion activée : vous agissez désormais pour ${adhesion.companyName}`}
        description={
          <>
            <p className="fr-mb-1w">
              {`Vous êtes administrateur de ${adhesion.companyName} (SIREN ${adhesion.siren}) pour : ${services}. `}
              {writes
                ? "Vous pouvez dès maintenant écrire à l'administration pour cette entreprise et suivre ses demandes, et donner des habilitations à d'autres personnes."
                : "Vous pouvez dès maintenant donner des habilitations à d'autres personnes pour ces services."}
            </p>
            <p className="fr-mb-0">
              {writes && (
                <>
                  <Link to={`/ecrire?siren=${adhesion.siren}`}>Écrire pour {adhesion.companyName}</Link>
                  {" · "}
                </>
              )}
              <Link to={`/entreprises/${adhesion.siren}`}>Voir la page de l'entreprise</Link>
            </p>
          </>
        }
      />
    </div>
  );
}

/** Immediate notices or one daily digest (for people acting for many companies). */
function NotificationChoice() {
  const { mode, choose } = useNotificationChoice();
  if (!mode) return null;
  return (
    <fieldset className="fr-fieldset fr-mt-6w">
      <legend className="fr-fieldset__legend">Avis de nouveaux messages</legend>
      {(["immediate", "daily"] as const).map((m) => (
        <div className="fr-fieldset__element" key={m}>
          <div className="fr-radio-group">
            <input type="radio" id={`avis-${m}`} name="avis" checked={mode === m} onChange={() => choose(m)} />
            <label className="fr-label" htmlFor={`avis-${m}`}>
              {m === "immediate" ? "Un courriel à chaque nouveau message" : "Un seul courriel par jour, récapitulatif"}
            </label>
          </div>
        </div>
      ))}
    </fieldset>
  );
}

/** The id of an adhesion's card: « Afficher plus » moves the focus to the first card loaded. */
const adhesionId = (a: Adhesion) => `adhesion-${a.id}`;

/** Ended requests shown at once: those that ended badly in the last 30 days (a refusal must be seen). */
const isWorthShowing = (a: Adhesion) =>
  a.status !== "active" && a.status !== "cancelled" && !!a.endedAt && Date.now() - Date.parse(a.endedAt) < 30 * 86_400_000;

export function MySpace() {
  const { person } = useSession();
  const catalogue = useCatalogue();
  const pending = useAdhesions("pending", Boolean(person));
  const ended = useAdhesions("ended", Boolean(person));
  const [showEnded, setShowEnded] = useState(false);
  const [cancelling, setCancelling] = useState<Adhesion | undefined>();
  const [activated, setActivated] = useState<Adhesion | undefined>();
  // The adhesions and the portfolio (its « adhésion en attente ») are asked again: all under "companies".
  const cancel = useAction(async () => {
    if (cancelling) await ok(client.DELETE("/api/v1/adhesions/{id}", { params: { path: { id: cancelling.id } } }));
  }, [["companies"]]);

  if (person === undefined) return <Page title="Mon espace">Chargement…</Page>;
  if (person === null) return <Navigate to="/connexion" replace />;

  const counted = pending.total !== undefined && ended.total !== undefined;
  const total = (pending.total ?? 0) + (ended.total ?? 0);
  return (
    <Page title="Mon espace" lead={`Bonjour ${person.firstName} ${person.lastName}.`}>
      <p className="fr-text--sm">
        Adresse de connexion : <strong>{person.connectionEmail}</strong> — numéro d'abonné <strong>{person.subscriberNumber}</strong>
      </p>
      <ErrorAlert error={pending.error ?? ended.error ?? cancel.error} />
      <Portfolio />
      <PendingActivations />

      <Delegations />
      <NotificationChoice />

      <h2 className="fr-mt-6w">Mes demandes d'adhésion</h2>
      {activated && <Activated key={activated.id} adhesion={activated} catalogue={catalogue} />}
      {counted && total === 0 && <p>Aucune demande d'adhésion.</p>}
      {counted && total > 0 && (
        <p className="fr-text--sm">
          {pending.total} en attente de leur code.{" "}
          {(ended.total ?? 0) > 0 && (
            <button type="button" className="fr-link fr-text--sm" aria-pressed={showEnded} onClick={() => setShowEnded(!showEnded)}>
              {showEnded
                ? "Masquer les demandes terminées"
                : ended.total === 1
                  ? "Afficher aussi la demande terminée"
                  : `Afficher aussi les ${ended.total} demandes terminées`}
            </button>
          )}
        </p>
      )}
      {[...(pending.items ?? []), ...(ended.items ?? []).filter((a) => showEnded || isWorthShowing(a))].map((a) => (
        <section key={a.id} id={`adhesion-${a.id}`} className="fr-card fr-p-3w fr-mb-2w" aria-labelledby={`a-${a.id}`}>
          <h3 id={`a-${a.id}`} className="fr-h6 fr-mb-1w">
            {a.companyName} <span className="fr-text--sm">SIREN {a.siren}</span>{" "}
            <Badge small severity={STATUS[a.status].severity}>
              {STATUS[a.status].label}
            </Badge>
          </h3>
          <p className="fr-text--sm fr-mb-1w">Services : {a.services.map((s) => serviceLabel(catalogue, s)).join(", ")}</p>
          <p className="fr-mb-1w">{nextStep(a)}</p>
          {a.status === "letter_issued" && <ActivationForm adhesion={a} onActivated={setActivated} />}
          {(a.status === "letter_issued" || a.status === "awaiting_company_email") && (
            <Button priority="tertiary" size="small" className="fr-mt-1w" onClick={() => (setCancelling(a), cancelModal.open())}>
              Annuler cette demande…
            </Button>
          )}
        </section>
      ))}
      <MoreButton list={pending} label="Afficher plus de demandes en attente" itemId={adhesionId} />
      {showEnded && <MoreButton list={ended} label="Afficher plus de demandes terminées" itemId={adhesionId} className="fr-ml-2w" />}
      <cancelModal.Component
        title={cancelling ? `Annuler la demande d'adhésion pour ${cancelling.companyName} ?` : "Annuler la demande d'adhésion"}
        buttons={[
          { children: "Garder la demande", priority: "secondary" },
          { children: "Annuler la demande", onClick: () => void cancel.run() },
        ]}
      >
        <p>Le code du courrier ne servira plus. Pour agir pour cette entreprise, il faudra refaire une demande, et un nouveau courrier partira.</p>
      </cancelModal.Component>
    </Page>
  );
}
