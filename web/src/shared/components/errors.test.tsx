// @vitest-environment happy-dom
import { Input } from "@codegouvfr/react-dsfr/Input";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { renderWithQueries } from "../../test/render";
import { ErrorAlert, useFormErrors } from "./page";

/** A form with two fields, showing the error of its last submit as the pages do. */
function Form({ error }: { error: unknown }) {
  const errors = useFormErrors(error, { subject: "Objet", body: "Message" });
  return (
    <form>
      {errors.summary}
      <Input label="Objet" {...errors.props("subject")} nativeInputProps={{ id: errors.id("subject") }} />
      <Input label="Message" textArea {...errors.props("body")} nativeTextAreaProps={{ id: errors.id("body") }} />
    </form>
  );
}

const refused = (issues: { field: string; message: string }[]) => new ApiError(400, "invalid_request", "La demande est incomplète.", "req-7f3a", { issues });

describe("the error summary", () => {
  it("lists each field in error as a link to it, takes the focus, and shows the reference to quote", async () => {
    renderWithQueries(
      <Form
        error={refused([
          { field: "body.subject", message: "l'objet est vide" },
          { field: "body.body", message: "le message dépasse 10 000 caractères" },
        ])}
      />,
    );
    expect(screen.getByText("Le formulaire contient 2 erreurs")).toBeTruthy();
    const link = screen.getByRole("link", { name: "Objet : l'objet est vide" });
    expect(screen.getByRole("link", { name: "Message : le message dépasse 10 000 caractères" })).toBeTruthy();
    expect(screen.getByText("Référence de l'erreur : req-7f3a")).toBeTruthy();
    await waitFor(() => expect(document.activeElement?.textContent).toContain("Le formulaire contient 2 erreurs"));
    fireEvent.click(link);
    expect(document.activeElement?.id).toBe("champ-subject");
    // The field itself says what is wrong, next to it.
    const message = screen.getByText("l'objet est vide");
    expect(document.getElementById("champ-subject")?.getAttribute("aria-describedby")).toContain(message.id);
  });

  it("shows the server's sentence when no field is named", () => {
    renderWithQueries(<Form error={new ApiError(409, "request_closed", "cette demande est clôturée.", "req-1", undefined)} />);
    expect(screen.getByText("Cette demande est clôturée.")).toBeTruthy();
    expect(screen.queryByRole("link")).toBeNull();
  });

  it("a failure that is not the API's still gets a French sentence", () => {
    renderWithQueries(<ErrorAlert error={{ unexpected: true }} />);
    expect(screen.getByText("Une erreur inattendue est survenue. Réessayez dans un instant.")).toBeTruthy();
  });
});
