import { z } from "zod";
import { errorReply } from "../spaces/index.js";
import { storedText } from "../../platform/http/text.js";

/** The schemas the back office's routes share. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
export const idParams = z.object({ id: z.uuid({ error: "identifiant invalide" }) });
/** A text field that must hold more than spaces. */
export const text = (max: number, label: string) =>
  storedText()
    .max(max, `${max} caractères au plus`)
    .refine((s) => s.trim().length > 0, `${label} est vide`);
export const serviceRef = z.object({ code: z.string(), name: z.string() });
export const day = z.iso.date({ error: "date attendue au format AAAA-MM-JJ" });
