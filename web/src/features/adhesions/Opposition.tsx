import { useState } from "react";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { client, ok } from "../../shared/api/client";
import { ApiError } from "../../shared/api/types";
import { FormColumn, Page, useAction, useFormErrors } from "../../shared/components/page";

/** Public page: the company stops an adhesion with the opposition code of its letter. */
export function Opposition() {
  const [siren, setSiren] = useState("");
  const [code, setCode] = useState("");
  const [done, setDone] = useState(false);
  const { run, busy, error } = useAction(async () => {
    await ok(client.POST("/api/v1/opposition", { body: { siren: siren.replace(/\s/g, ""), oppositionCode: code } }));
    setDone(true);
  });
  const errors = useFormErrors(error, { siren: "SIREN de votre entreprise", oppositionCode: "Code d'opposition" });
  if (done) {
    return (
      <Page title="Opposition enregistrée">
        <Alert
          severity="success"
          title="La demande d'adhésion est annulée"
          description="Son code d'activation n'est plus valable : personne n'aura accès à votre entreprise par cette demande. Son auteur en est informé et ne pourra pas en présenter de nouvelle avant 90 jours. Votre service des impôts des entreprises est prévenu."
        />
      </Page>
    );
  }
  const attemptsLeft = error instanceof ApiError ? (error.details?.attemptsLeft as number | undefined) : undefined;
  return (
    <Page
      title="S'opposer à une demande d'adhésion"
      lead="Vous avez reçu un courrier d'activation que vous n'avez pas demandé, ou qui nomme une personne que vous ne connaissez pas ? Saisissez le code d'opposition imprimé sur ce courrier."
    >
      <FormColumn>
        {errors.summary}
        {attemptsLeft !== undefined && <p className="fr-error-text">Essais restants aujourd'hui : {attemptsLeft}.</p>}
        <form onSubmit={(e) => void run(e)} noValidate>
          <Input
            label="SIREN de votre entreprise"
            hintText="9 chiffres, tels qu'imprimés sur le courrier."
            {...errors.props("siren")}
            nativeInputProps={{ ...errors.native("siren"), inputMode: "numeric", value: siren, onChange: (e) => setSiren(e.target.value) }}
          />
          <Input
            label="Code d'opposition"
            hintText="8 caractères, au format XXXX-XXXX."
            {...errors.props("oppositionCode")}
            nativeInputProps={{
              ...errors.native("oppositionCode"),
              value: code,
              onChange: (e) => setCode(e.target.value),
              autoComplete: "off",
              spellCheck: false,
            }}
          />
          <Button type="submit" disabled={busy}>
            M'opposer à cette demande
          </Button>
        </form>
      </FormColumn>
    </Page>
  );
}
