/** Draws a block inside a structure element of a tagged PDF (a paragraph « P », a heading « H1 »…). */
export type Tag = (type: string, draw: () => unknown) => void;

/**
 * The structure of a tagged PDF: one `Document` element, and in it, in reading order, an element (a paragraph, a
 * heading) around each block drawn: what a screen reader reads. `end()` before the document ends.
 */
export function documentStructure(doc: PDFKit.PDFDocument): { tag: Tag; end: () => void } {
  const root = doc.struct("Document");
  doc.addStructure(root);
  return { tag: (type, draw) => root.add(doc.struct(type, {}, () => void draw())), end: () => root.end() };
}

/** « Label : value », the label in bold, as one paragraph of the structure. */
export function labelledLine(doc: PDFKit.PDFDocument, tag: Tag, width: number) {
  return (label: string, value: string) =>
    tag("P", () =>
      doc
        .font("bold")
        .text(`${label} : `, { continued: true, width })
        .font("regular")
        .text(value, { width, features: ["kern"] }),
    );
}
