import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { client, ok } from "../../shared/api/client";
import { ApiError } from "../../shared/api/types";
import { ErrorAlert, FormColumn, Page, useAction } from "../../shared/components/page";

export function VerifySpace() {
  const [params] = useSearchParams();
  const [email, setEmail] = useState(params.get("email") ?? "");
  const [code, setCode] = useState("");
  const [done, setDone] = useState(false);
  const [resent, setResent] = useState(false);
  const resend = useAction(async () => {
    await ok(client.POST("/api/v1/spaces/verify/resend", { body: { connectionEmail: email } }));
    setResent(true);
  });
  const justCreated = params.get("cree") === "1";
  const companyAddress = params.get("entreprise");
  const linkOnly = params.get("mode") === "simplified" && companyAddress?.trim().toLowerCase() === email.trim().toLowerCase();

  const {
    run: submit,
    busy,
    error,
  } = useAction(async () => {
    await ok(client.POST("/api/v1/spaces/verify", { body: { connectionEmail: email, code } }));
    setDone(true);
  });

  if (done) {
    return (
      <Page title="Votre espace est activé">
        <Alert severity="success" title="Adresse validée" description="Votre adresse de connexion est validée : vous pouvez vous connecter." />
        <p className="fr-mt-3w">
          <Link className="fr-btn" to="/connexion">
            Se connecter
          </Link>
        </p>
      </Page>
    );
  }
  const attemptsLeft = error instanceof ApiError ? (error.details?.attemptsLeft as number | undefined) : undefined;
  if (linkOnly) {
    return (
      <Page title="Confirmez l'adresse de votre entreprise">
        <Alert
          severity="info"
          title="Demande de création enregistrée"
          description={`Un lien valable 72 heures a été envoyé à ${email}. Ouvrez-le et confirmez l'adresse : cela valide aussi votre adresse de connexion, et le courrier portant le code d'activation partira à l'adresse du siège de l'entreprise.`}
        />
        <p className="fr-mt-3w">
          Une fois le lien confirmé, <Link to="/connexion">connectez-vous</Link> pour suivre votre adhésion.
        </p>
      </Page>
    );
  }
  return (
    <Page title="Valider mon adresse de connexion">
      <FormColumn>
        {justCreated && (
          <Alert
            severity="info"
            small
            className="fr-mb-3w"
            description={`Votre demande de création est enregistrée. Un code de validation vous a été envoyé par courriel, avec votre numéro d'abonné ; il est valable 48 heures.${companyAddress ? ` Un lien a aussi été envoyé à ${companyAddress} pour vérifier l'adresse de l'entreprise.` : ""}`}
          />
        )}
        <ErrorAlert error={error} />
        {attemptsLeft !== undefined && <p className="fr-error-text">Il vous reste {attemptsLeft} essai(s).</p>}
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Input
            label="Adresse électronique de connexion"
            nativeInputProps={{ type: "email", autoComplete: "email", required: true, value: email, onChange: (e) => setEmail(e.target.value) }}
          />
          <Input
            label="Code de validation"
            hintText="8 caractères, au format XXXX-XXXX."
            nativeInputProps={{ required: true, autoComplete: "one-time-code", value: code, onChange: (e) => setCode(e.target.value), spellCheck: false }}
          />
          <Button type="submit" disabled={busy}>
            Valider
          </Button>
        </form>
        <div className="fr-mt-4w">
          <p className="fr-mb-1w">Pas de message ? Vérifiez vos courriers indésirables, ou demandez un nouveau code (le précédent ne servira plus).</p>
          {resent && !resend.error && (
            <p className="fr-valid-text" role="status">
              Si un espace attend la validation de {email}, un nouveau code vient d'y être envoyé.
            </p>
          )}
          <ErrorAlert error={resend.error} />
          <Button priority="secondary" disabled={resend.busy || !email} onClick={() => void resend.run()}>
            Renvoyer le code
          </Button>
        </div>
      </FormColumn>
    </Page>
  );
}
