/**
 * The dependency rules of docs/ARCHITECTURE.md, checked in CI (`npm run lint:deps`).
 * Modules depend along one direction: companies ← spaces ← adhesions ← rights ← requests ← backoffice ← correspondence ← software;
 * teams (product §19) builds on rights, and rights names a team's rights through a port given by the composition root;
 * letters, mail and journal depend on no module; a module is entered only through its index.ts.
 */
const later = {
  companies: "spaces|adhesions|rights|requests|backoffice|correspondence|software|teams",
  spaces: "adhesions|rights|requests|backoffice|correspondence|software|teams",
  adhesions: "rights|requests|backoffice|correspondence|software|teams",
  rights: "requests|backoffice|correspondence|software|teams",
  requests: "backoffice|correspondence|software",
  backoffice: "correspondence|software",
  correspondence: "software",
};

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    {
      name: "module-entered-by-index",
      comment: "Another module is used only through its index.ts.",
      severity: "error",
      from: { path: "^src/modules/([^/]+)/" },
      to: { path: "^src/modules/[^/]+/", pathNot: ["^src/modules/$1/", "^src/modules/[^/]+/index\\.ts$"] },
    },
    ...Object.entries(later).map(([module, forbidden]) => ({
      name: `${module}-depends-only-on-earlier-modules`,
      severity: "error",
      from: { path: `^src/modules/${module}/` },
      to: { path: `^src/modules/(${forbidden})/` },
    })),
    {
      name: "leaf-modules-depend-on-no-module",
      comment: "letters, mail and journal depend on no other module.",
      severity: "error",
      from: { path: "^src/modules/(letters|mail|journal)/" },
      to: { path: "^src/modules/", pathNot: "^src/modules/(letters|mail|journal)/" },
    },
    {
      name: "leaf-modules-stay-apart",
      severity: "error",
      from: { path: "^src/modules/(letters|mail|journal)/" },
      to: { path: "^src/modules/(letters|mail|journal)/", pathNot: "^src/modules/$1/" },
    },
    {
      name: "platform-owns-no-domain",
      comment: "The platform is used by modules, never the other way round.",
      severity: "error",
      from: { path: "^src/platform/" },
      to: { path: "^src/(modules|app)/" },
    },
    { name: "modules-do-not-import-app", severity: "error", from: { path: "^src/modules/" }, to: { path: "^src/app/" } },
    { name: "no-tests-in-src", severity: "error", from: { path: "^src/", pathNot: "\\.test\\.ts$" }, to: { path: "(^test/|\\.test\\.ts$)" } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
