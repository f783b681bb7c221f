import { useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { client, ok } from "../../shared/api/client";
import { ErrorAlert, FormColumn, Page, safeReturn, useAction, useFormErrors } from "../../shared/components/page";
import { useSession } from "../../shared/session";
import { attemptsHint, codeProblem } from "./codes";

export function DeviceCode() {
  const navigate = useNavigate();
  const location = useLocation();
  const { signedIn } = useSession();
  const { email, retour } = (location.state as { email?: string; retour?: string } | null) ?? {};
  const [code, setCode] = useState("");
  const [resent, setResent] = useState(false);
  const {
    run: submit,
    busy,
    error,
  } = useAction(async () => {
    const reply = await ok(client.POST("/api/v1/session/device", { body: { email: email ?? "", code } }));
    signedIn(reply.person, reply.csrfToken);
    await navigate(safeReturn(retour) ?? "/mon-espace");
  });
  // A wrong or malformed code is the field's error, and the focus goes back to the field; an expired or voided
  // code is said in a summary above the form.
  const errors = useFormErrors(error, { code: "Code de connexion" }, { code: codeProblem(error) }, { focus: "field" });
  const resend = useAction(async () => {
    await ok(client.POST("/api/v1/session/device/resend", { body: { email: email ?? "" } }));
    setResent(true);
  });

  if (!email) {
    return (
      <Page title="Code de connexion">
        <p>
          Commencez par vous <Link to="/connexion">connecter</Link> avec votre adresse et votre mot de passe.
        </p>
      </Page>
    );
  }

  return (
    <Page title="Connexion depuis un nouvel appareil">
      <FormColumn>
        <Alert
          severity="info"
          small
          className="fr-mb-3w"
          description={`Nous ne reconnaissons pas cet appareil. Un code à 6 chiffres, valable 30 minutes, a été envoyé à ${email}.`}
        />
        {errors.summary}
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Input
            label="Code de connexion"
            hintText={`6 chiffres. Cet appareil sera ensuite reconnu pendant 6 mois.${attemptsHint(error)}`}
            {...errors.props("code")}
            nativeInputProps={{
              ...errors.native("code"),
              inputMode: "numeric",
              autoComplete: "one-time-code",
              required: true,
              value: code,
              onChange: (e) => setCode(e.target.value),
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
              Un nouveau code vient d'être envoyé à {email}.
            </p>
          )}
          <ErrorAlert error={resend.error} />
          <Button priority="secondary" disabled={resend.busy} onClick={() => void resend.run()}>
            Renvoyer le code
          </Button>
        </div>
      </FormColumn>
    </Page>
  );
}
