import { useState } from "react";
import { Link } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { PasswordInput } from "@codegouvfr/react-dsfr/blocks/PasswordInput";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { client, ok } from "../../shared/api/client";
import { ApiError } from "../../shared/api/types";
import { capitalised, FormColumn, Page, useAction, useFormErrors } from "../../shared/components/page";

/** « Mot de passe oublié » : asks for the link; says the same thing whether the address is known or not. */
export function ForgottenPassword() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const { run, busy, error } = useAction(async () => {
    await ok(client.POST("/api/v1/password-reset", { body: { email } }));
    setSent(true);
  });
  const errors = useFormErrors(error, { email: "Adresse électronique de connexion" });
  return (
    <Page title="Mot de passe oublié">
      <FormColumn>
        {sent ? (
          <Alert
            severity="success"
            title="Demande enregistrée"
            description={`Si un espace professionnel utilise l'adresse ${email}, un lien pour choisir un nouveau mot de passe vient d'y être envoyé. Il ne sert qu'une fois et reste valable 30 minutes.`}
          />
        ) : (
          <>
            <p>Indiquez l'adresse électronique avec laquelle vous vous connectez : nous y enverrons un lien pour choisir un nouveau mot de passe.</p>
            {errors.summary}
            <form onSubmit={(e) => void run(e)} noValidate>
              <Input
                label="Adresse électronique de connexion"
                nativeInputProps={{
                  ...errors.native("email"),
                  type: "email",
                  autoComplete: "username",
                  required: true,
                  value: email,
                  onChange: (e) => setEmail(e.target.value),
                }}
                {...errors.props("email")}
              />
              <Button type="submit" disabled={busy}>
                Recevoir le lien
              </Button>
            </form>
          </>
        )}
        <p className="fr-mt-3w">
          <Link to="/connexion">Revenir à la connexion</Link>
        </p>
      </FormColumn>
    </Page>
  );
}

/** The page of the mailed link: the token travels in the address's fragment (never sent to a server log). */
export function NewPassword() {
  const token = typeof window === "undefined" ? "" : window.location.hash.replace(/^#/, "");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const { run, busy, error } = useAction(async () => {
    await ok(client.POST("/api/v1/password-reset/confirm", { body: { token, password } }));
    setDone(true);
  });
  const gone = error instanceof ApiError && error.status === 410;
  const errors = useFormErrors(
    error,
    { password: "Nouveau mot de passe", token: "Lien reçu" },
    { password: error instanceof ApiError && error.code === "weak_password" ? error.message : undefined },
  );
  return (
    <Page title="Choisir un nouveau mot de passe">
      <FormColumn>
        {done ? (
          <>
            <Alert
              severity="success"
              title="Mot de passe changé"
              description="Vos sessions ouvertes ont été fermées. Connectez-vous avec votre nouveau mot de passe."
            />
            <p className="fr-mt-3w">
              <Link to="/connexion" className="fr-btn">
                Se connecter
              </Link>
            </p>
          </>
        ) : !token ? (
          // Without the link's token nothing can be saved: said at once, rather than a button that stays disabled.
          <Alert
            severity="warning"
            title="Lien incomplet"
            description={
              <>
                Ouvrez le lien reçu par courriel tel quel (il se termine par une longue suite de caractères), ou{" "}
                <Link to="/mot-de-passe-oublie">demandez un nouveau lien</Link>.
              </>
            }
          />
        ) : (
          <>
            {errors.summary}
            {gone && (
              <p>
                <Link to="/mot-de-passe-oublie">Demander un nouveau lien</Link>
              </p>
            )}
            <form onSubmit={(e) => void run(e)} noValidate>
              <PasswordInput
                label="Nouveau mot de passe"
                // The rules are in the hint: the messages are errors only, with no « Votre mot de passe doit contenir : » above them.
                messagesHint=""
                hintText="12 caractères au moins. Évitez les mots de passe courants, votre nom, votre adresse ou le SIREN."
                messages={errors.fields.password ? [{ message: capitalised(errors.fields.password), severity: "error" }] : []}
                nativeInputProps={{
                  ...errors.native("password"),
                  autoComplete: "new-password",
                  required: true,
                  value: password,
                  onChange: (e) => setPassword(e.target.value),
                }}
              />
              <Button type="submit" disabled={busy}>
                Enregistrer le mot de passe
              </Button>
            </form>
          </>
        )}
      </FormColumn>
    </Page>
  );
}
