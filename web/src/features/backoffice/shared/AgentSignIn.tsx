import { useState } from "react";
import { useNavigate } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { PasswordInput } from "@codegouvfr/react-dsfr/blocks/PasswordInput";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { ApiError, client, ok } from "../../../shared/api/client";
import { capitalised, FormColumn, Page, useAction, useFormErrors } from "../../../shared/components/page";
import { useSession } from "../../../shared/session";
import { AGENT_SITE_TITLE } from "../../../shared/title";

export function AgentSignIn() {
  const navigate = useNavigate();
  const { agentSignedIn } = useSession();
  const [form, setForm] = useState({ email: "", password: "", totp: "" });
  const {
    run: submit,
    busy,
    error,
  } = useAction(async () => {
    const reply = await ok(client.POST("/api/v1/backoffice/session", { body: form }));
    agentSignedIn(reply.agent, reply.csrfToken);
    void navigate("/agent");
  });
  // Wrong credentials (the server does not say which of the three is wrong) put the password field in error, its
  // message tied to it (aria-invalid, aria-describedby); the error summary, which takes the focus, links to it.
  const errors = useFormErrors(
    error,
    {
      email: "Adresse électronique professionnelle",
      password: "Mot de passe",
      totp: "Code de votre application d'authentification",
    },
    { password: error instanceof ApiError && error.code === "invalid_credentials" ? error.message : undefined },
  );

  return (
    <Page title="Connexion à l'espace agent" site={AGENT_SITE_TITLE}>
      <FormColumn>
        {errors.summary}
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Input
            label="Adresse électronique professionnelle"
            {...errors.props("email")}
            nativeInputProps={{
              ...errors.native("email"),
              type: "email",
              autoComplete: "username",
              required: true,
              value: form.email,
              onChange: (e) => setForm({ ...form, email: e.target.value }),
            }}
          />
          <PasswordInput
            label="Mot de passe"
            messagesHint=""
            messages={errors.fields.password ? [{ message: capitalised(errors.fields.password), severity: "error" }] : []}
            nativeInputProps={{
              ...errors.native("password"),
              autoComplete: "current-password",
              required: true,
              value: form.password,
              onChange: (e) => setForm({ ...form, password: e.target.value }),
            }}
          />
          <Input
            label="Code de votre application d'authentification"
            hintText="6 chiffres, renouvelés toutes les 30 secondes."
            {...errors.props("totp")}
            nativeInputProps={{
              ...errors.native("totp"),
              inputMode: "numeric",
              autoComplete: "one-time-code",
              required: true,
              value: form.totp,
              onChange: (e) => setForm({ ...form, totp: e.target.value }),
            }}
          />
          <Button type="submit" disabled={busy}>
            Se connecter
          </Button>
        </form>
      </FormColumn>
    </Page>
  );
}
