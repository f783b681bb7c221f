import { useCallback, useEffect, useState } from "react";
import { Navigate } from "react-router";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { createModal } from "@codegouvfr/react-dsfr/Modal";
import { api, ApiError, frenchDate, type Adhesion } from "../api";
import { ErrorAlert, Page, useAction } from "../components";
import { serviceLabel, useCatalogue } from "../catalogue";
import { useSession } from "../session";
import { Delegations } from "./Delegations";
import { Portfolio } from "./Portfolio";

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

function ActivationForm({ adhesion, onDone }: { adhesion: Adhesion; onDone: () => void }) {
  const [code, setCode] = useState("");
  const { run, busy, error } = useAction(async () => {
    await api("POST", `/api/v1/adhesions/${adhesion.id}/activate`, { code });
    onDone();
  });
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

/** Immediate notices or one daily digest (for people acting for many companies). */
function NotificationChoice() {
  const [mode, setMode] = useState<"immediate" | "daily" | undefined>();
  useEffect(() => {
    void api<{ mode: "immediate" | "daily" }>("GET", "/api/v1/notification-preferences").then((r) => setMode(r.mode));
  }, []);
  const choose = (m: "immediate" | "daily") => void api<{ mode: "immediate" | "daily" }>("PUT", "/api/v1/notification-preferences", { mode: m }).then((r) => setMode(r.mode));
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

/** Ended requests shown at once: those that ended badly in the last 30 days (a refusal must be seen). */
const isWorthShowing = (a: Adhesion) => a.status !== "active" && a.status !== "cancelled" && !!a.endedAt && Date.now() - Date.parse(a.endedAt) < 30 * 86_400_000;

export function MySpace() {
  const { person } = useSession();
  const catalogue = useCatalogue();
  const [refreshKey, setRefreshKey] = useState(0);
  type AdhesionPage = { items: Adhesion[]; nextCursor: string | null; total: number };
  const [pendingPage, setPendingPage] = useState<AdhesionPage | undefined>();
  const [endedPage, setEndedPage] = useState<AdhesionPage | undefined>();
  const [showEnded, setShowEnded] = useState(false);
  const [error, setError] = useState<unknown>();
  const [cancelling, setCancelling] = useState<Adhesion | undefined>();
  const load = useCallback(() => {
    setRefreshKey((k) => k + 1);
    Promise.all([api<AdhesionPage>("GET", "/api/v1/adhesions?status=pending"), api<AdhesionPage>("GET", "/api/v1/adhesions?status=ended")]).then(([p, e]) => {
      setPendingPage(p);
      setEndedPage(e);
    }, setError);
  }, []);
  useEffect(() => {
    if (person) load();
  }, [person, load]);

  if (person === undefined) return <Page title="Mon espace">Chargement…</Page>;
  if (person === null) return <Navigate to="/connexion" replace />;

  const more = async (status: "pending" | "ended") => {
    const current = status === "pending" ? pendingPage : endedPage;
    if (!current?.nextCursor) return;
    try {
      const next = await api<AdhesionPage>("GET", `/api/v1/adhesions?status=${status}&cursor=${current.nextCursor}`);
      (status === "pending" ? setPendingPage : setEndedPage)({ ...next, items: [...current.items, ...next.items] });
    } catch (e) {
      setError(e);
    }
  };

  const cancel = async (a: Adhesion) => {
    try {
      await api("DELETE", `/api/v1/adhesions/${a.id}`);
      load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Page title="Mon espace" lead={`Bonjour ${person.firstName} ${person.lastName}.`}>
      <p className="fr-text--sm">
        Adresse de connexion : <strong>{person.connectionEmail}</strong> — numéro d'abonné <strong>{person.subscriberNumber}</strong>
      </p>
      <ErrorAlert error={error} />
      <Portfolio refreshKey={refreshKey} />

      <Delegations onChange={load} />
      <NotificationChoice />

      <h2 className="fr-mt-6w">Mes demandes d'adhésion</h2>
      {pendingPage && endedPage && pendingPage.total + endedPage.total === 0 && <p>Aucune demande d'adhésion.</p>}
      {pendingPage && endedPage && pendingPage.total + endedPage.total > 0 && (
        <p className="fr-text--sm">
          {pendingPage.total} en attente de leur code.{" "}
          {endedPage.total > 0 && (
            <button type="button" className="fr-link fr-text--sm" aria-pressed={showEnded} onClick={() => setShowEnded(!showEnded)}>
              {showEnded ? "Masquer les demandes terminées" : `Afficher aussi les ${endedPage.total} demandes terminées`}
            </button>
          )}
        </p>
      )}
      {[...(pendingPage?.items ?? []), ...(endedPage?.items ?? []).filter((a) => showEnded || isWorthShowing(a))].map((a) => (
        <section key={a.id} className="fr-card fr-p-3w fr-mb-2w" aria-labelledby={`a-${a.id}`}>
          <h3 id={`a-${a.id}`} className="fr-h6 fr-mb-1w">
            {a.companyName} <span className="fr-text--sm">SIREN {a.siren}</span>{" "}
            <Badge small severity={STATUS[a.status].severity}>
              {STATUS[a.status].label}
            </Badge>
          </h3>
          <p className="fr-text--sm fr-mb-1w">Services : {a.services.map((s) => serviceLabel(catalogue, s)).join(", ")}</p>
          <p className="fr-mb-1w">{nextStep(a)}</p>
          {a.status === "letter_issued" && <ActivationForm adhesion={a} onDone={load} />}
          {(a.status === "letter_issued" || a.status === "awaiting_company_email") && (
            <Button priority="tertiary" size="small" className="fr-mt-1w" onClick={() => (setCancelling(a), cancelModal.open())}>
              Annuler cette demande…
            </Button>
          )}
        </section>
      ))}
      {pendingPage?.nextCursor && (
        <Button priority="secondary" onClick={() => void more("pending")}>
          Afficher plus de demandes en attente
        </Button>
      )}
      {showEnded && endedPage?.nextCursor && (
        <Button priority="secondary" className="fr-ml-2w" onClick={() => void more("ended")}>
          Afficher plus de demandes terminées
        </Button>
      )}
      <cancelModal.Component
        title={cancelling ? `Annuler la demande d'adhésion pour ${cancelling.companyName} ?` : "Annuler la demande d'adhésion"}
        buttons={[
          { children: "Garder la demande", priority: "secondary" },
          { children: "Annuler la demande", onClick: () => cancelling && void cancel(cancelling) },
        ]}
      >
        <p>Le code du courrier ne servira plus. Pour agir pour cette entreprise, il faudra refaire une demande, et un nouveau courrier partira.</p>
      </cancelModal.Component>
    </Page>
  );
}
