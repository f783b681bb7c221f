export { devLetterRoutes } from "./letters.routes.js";
