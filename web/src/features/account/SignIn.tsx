import { useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { PasswordInput } from "@codegouvfr/react-dsfr/blocks/PasswordInput";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { ApiError, client, ok } from "../../shared/api/client";
import { capitalised, FormColumn, Page, safeReturn, useAction, useFormErrors } from "../../shared/components/page";
import { useSession } from "../../shared/session";

export function SignIn() {
  const navigate = useNavigate();
  const location = useLocation();
  // Where the person was going (the consent page of a software, for one): back there once signed in.
  const retour = safeReturn(new URLSearchParams(location.search).get("retour"));
  const { signedIn } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const {
    run: submit,
    busy,
    error,
  } = useAction(async () => {
    const reply = await ok(client.POST("/api/v1/session", { body: { email, password } }));
    if (reply.status === "device_verification_required") {
      await navigate("/connexion/appareil", { state: { email, retour } });
    } else {
      signedIn(reply.person, reply.csrfToken);
      await navigate(retour ?? "/mon-espace");
    }
  });

  // Wrong credentials (the server does not say which is wrong) put the password field in error, its message tied
  // to it (aria-invalid, aria-describedby); the error summary, which takes the focus, links to it.
  const errors = useFormErrors(
    error,
    { email: "Adresse électronique de connexion", password: "Mot de passe" },
    { password: error instanceof ApiError && error.code === "invalid_credentials" ? error.message : undefined },
  );

  return (
    <Page title="Se connecter à mon espace professionnel">
      <FormColumn>
        {errors.summary}
        <form onSubmit={(e) => void submit(e)} noValidate>
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
          <PasswordInput
            label="Mot de passe"
            // The rules are in the hint: the messages are errors only, with no « Votre mot de passe doit contenir : » above them.
            messagesHint=""
            messages={errors.fields.password ? [{ message: capitalised(errors.fields.password), severity: "error" }] : []}
            nativeInputProps={{
              ...errors.native("password"),
              autoComplete: "current-password",
              required: true,
              value: password,
              onChange: (e) => setPassword(e.target.value),
            }}
          />
          <p className="fr-mt-1w fr-mb-3w">
            <Link to="/mot-de-passe-oublie" className="fr-link fr-text--sm">
              Mot de passe oublié ?
            </Link>
          </p>
          <Button type="submit" disabled={busy}>
            Se connecter
          </Button>
        </form>
        <p className="fr-mt-3w">
          Pas encore d'espace ? <Link to="/creer-un-espace">Créer mon espace professionnel</Link>
        </p>
      </FormColumn>
    </Page>
  );
}
