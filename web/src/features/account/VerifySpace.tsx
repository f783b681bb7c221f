import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { client, ok } from "../../shared/api/client";
import { FormColumn, Page, refuseFields, useAction, useFormErrors } from "../../shared/components/page";
import { attemptsHint, codeProblem } from "./codes";

export function VerifySpace() {
  const [params] = useSearchParams();
  const [email, setEmail] = useState(params.get("email") ?? "");
  const [code, setCode] = useState("");
  const [done, setDone] = useState(false);
  const [resent, setResent] = useState(false);
  const [last, setLast] = useState<"submit" | "resend">("submit");
  const resend = useAction(async () => {
    // The button stays enabled: without an address, the field says so and takes the focus.
    refuseFields({ connectionEmail: !email.trim() && "saisissez votre adresse de connexion pour recevoir un nouveau code." });
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
  // A wrong or malformed code is the field's error, and the focus goes back to the field in error.
  const errors = useFormErrors(
    error,
    { connectionEmail: "Adresse électronique de connexion", code: "Code de validation" },
    { code: codeProblem(error) },
    { focus: "field" },
  );
  const resendErrors = useFormErrors(resend.error, { connectionEmail: "Adresse électronique de connexion" }, {}, { focus: "field" });
  // The address's error, from the last of the two buttons used.
  const emailErrors = last === "resend" ? resendErrors : errors;

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
        {errors.summary}
        <form onSubmit={(e) => (setLast("submit"), void submit(e))} noValidate>
          <Input
            label="Adresse électronique de connexion"
            {...emailErrors.props("connectionEmail")}
            nativeInputProps={{
              ...emailErrors.native("connectionEmail"),
              type: "email",
              autoComplete: "email",
              required: true,
              value: email,
              onChange: (e) => setEmail(e.target.value),
            }}
          />
          <Input
            label="Code de validation"
            hintText={`8 caractères, au format XXXX-XXXX.${attemptsHint(error)}`}
            {...errors.props("code")}
            nativeInputProps={{
              ...errors.native("code"),
              required: true,
              autoComplete: "one-time-code",
              value: code,
              onChange: (e) => setCode(e.target.value),
              spellCheck: false,
            }}
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
          {resendErrors.summary}
          <Button priority="secondary" disabled={resend.busy} onClick={() => (setLast("resend"), void resend.run())}>
            Renvoyer le code
          </Button>
        </div>
      </FormColumn>
    </Page>
  );
}
