// @vitest-environment happy-dom
import { Input } from "@codegouvfr/react-dsfr/Input";
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { renderWithQueries } from "../../test/render";
import { ErrorAlert, refuseFields, useFormErrors } from "./page";

/** A form with two fields, showing the error of its last submit as the pages do. */
function Form({ error, focus }: { error: unknown; focus?: "field" }) {
  const errors = useFormErrors(error, { subject: "Objet", body: "Message" }, {}, focus ? { focus } : {});
  return (
    <form>
      {errors.summary}
      <Input label="Objet" {...errors.props("subject")} nativeInputProps={errors.native("subject")} />
      <Input label="Message" textArea {...errors.props("body")} nativeTextAreaProps={errors.native("body")} />
    </form>
  );
}

/** The error `refuseFields` throws for `issues`, as a form's action would. */
function refusal(issues: Record<string, string | false>): unknown {
  try {
    refuseFields(issues);
  } catch (e) {
    return e;
  }
  return undefined;
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
    // The field itself says what is wrong, next to it, as a sentence, and is marked invalid.
    const message = screen.getByText("L'objet est vide");
    expect(document.getElementById("champ-subject")?.getAttribute("aria-describedby")).toContain(message.id);
    expect(document.getElementById("champ-subject")?.getAttribute("aria-invalid")).toBe("true");
  });

  it("lists the errors in the order of the fields, whatever the order the server gave them in", () => {
    renderWithQueries(
      <Form
        error={refused([
          { field: "body.body", message: "le message est vide" },
          { field: "body.subject", message: "l'objet est vide" },
        ])}
      />,
    );
    expect(screen.getAllByRole("link").map((a) => a.textContent)).toEqual(["Objet : l'objet est vide", "Message : le message est vide"]);
  });

  it("refuses in the browser as the server would: each empty field named, nothing thrown when all are right", async () => {
    expect(refusal({ subject: false, body: "" })).toBeUndefined();
    renderWithQueries(<Form error={refusal({ subject: false, body: "saisissez votre message." })} />);
    expect(screen.getByRole("link", { name: "Message : saisissez votre message." })).toBeTruthy();
    await waitFor(() => expect(document.activeElement?.textContent).toContain("Le formulaire contient une erreur"));
  });

  it("in a form of one or two fields, puts the focus on the field in error, with no summary repeating it", async () => {
    renderWithQueries(<Form focus="field" error={new ApiError(401, "wrong", "x", "r", undefined)} />);
    // An error that names no field is still said, in a summary that takes the focus.
    await waitFor(() => expect(document.activeElement?.textContent).toContain("X"));
    cleanup();
    renderWithQueries(<Form focus="field" error={refusal({ body: "saisissez votre message." })} />);
    await waitFor(() => expect(document.activeElement?.id).toBe("champ-body"));
    expect(screen.queryByRole("link")).toBeNull();
    expect(screen.getByText("Saisissez votre message.")).toBeTruthy();
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
