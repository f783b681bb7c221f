import { useState } from "react";
import { useSearchParams } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { client, ok } from "../../shared/api/client";
import { ApiError } from "../../shared/api/types";
import { ErrorAlert, Page, useAction } from "../../shared/components/page";
import { adhesionKeys, useCompanyEmailLink } from "./queries";

/** Opening the link shows this page; only the button consumes it (mail scanners pre-fetch links). */
export function ConfirmCompanyEmail() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const link = useCompanyEmailLink(token);
  const info = link.data;
  const loadError = link.error ?? undefined;
  const [done, setDone] = useState(false);
  // The link is not read again (it would say « used »): the page says what was done. The adhesion moves on.
  const { run, busy, error } = useAction(async () => {
    await ok(client.POST("/api/v1/company-email/confirm", { body: { token } }));
    setDone(true);
  }, [adhesionKeys.all]);

  if (done && info) {
    return (
      <Page title="Adresse confirmée">
        <Alert
          severity="success"
          title={`${info.email} est l'adresse électronique de ${info.companyName}`}
          description={
            info.purpose === "adhesion"
              ? "Le courrier portant le code d'activation va être envoyé à l'adresse du siège de l'entreprise. Saisissez ce code dans votre espace dès sa réception."
              : "L'ancienne adresse a été prévenue et un courrier confirme le changement à l'adresse du siège."
          }
        />
      </Page>
    );
  }
  const gone =
    (loadError instanceof ApiError && loadError.status === 410) ||
    info?.status === "expired" ||
    info?.status === "used" ||
    (error instanceof ApiError && error.status === 410);
  if (gone) {
    const used = info?.status === "used" || (error instanceof ApiError && error.code === "link_used");
    return (
      <Page title={used ? "Lien déjà utilisé" : "Lien expiré ou invalide"}>
        <Alert
          severity={used ? "info" : "warning"}
          title={used ? "Cette adresse est déjà confirmée." : "Ce lien ne peut plus servir."}
          description={
            used
              ? "Il n'y a rien d'autre à faire : connectez-vous à votre espace pour suivre la demande."
              : "Un lien n'est valable que 72 heures. Connectez-vous à votre espace professionnel et présentez une nouvelle demande : un nouveau lien sera envoyé."
          }
        />
      </Page>
    );
  }
  return (
    <Page title="Confirmer l'adresse électronique de l'entreprise">
      <ErrorAlert error={loadError ?? error} />
      {info && (
        <>
          <p>
            Vous confirmez que <strong>{info.email}</strong> est l'adresse électronique de l'entreprise <strong>{info.companyName}</strong> (SIREN {info.siren})
            : c'est à cette adresse que l'administration lui écrira.
          </p>
          <Button onClick={() => void run()} disabled={busy}>
            Confirmer l'adresse
          </Button>
        </>
      )}
    </Page>
  );
}
