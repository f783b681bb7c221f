import { Navigate } from "react-router";

/** The old sign-out address leads home. */
export function GoHome() {
  return <Navigate to="/" replace />;
}
