import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, ApiError, setAgentCsrfToken, setCsrfToken, type Agent, type Person } from "./api";

type SessionState = {
  /** undefined while loading, null when signed out. */
  person: Person | null | undefined;
  agent: Agent | null | undefined;
  signedIn(person: Person, csrfToken: string): void;
  agentSignedIn(agent: Agent, csrfToken: string): void;
  signOut(): Promise<void>;
  agentSignOut(): Promise<void>;
};

/** Deletes a session with its own CSRF token; an already expired session (401) is fine. */
async function endSession(path: string, csrf: string | undefined) {
  if (path.startsWith("/api/v1/backoffice/")) setAgentCsrfToken(csrf);
  else setCsrfToken(csrf);
  try {
    await api("DELETE", path);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) throw e;
  }
}

const SessionContext = createContext<SessionState | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [person, setPerson] = useState<Person | null | undefined>(undefined);
  const [agent, setAgent] = useState<Agent | null | undefined>(undefined);
  const [agentCsrf, setAgentCsrf] = useState<string | undefined>();
  const [personCsrf, setPersonCsrf] = useState<string | undefined>();

  useEffect(() => {
    api<{ person: Person; csrfToken: string }>("GET", "/api/v1/session")
      .then((s) => {
        setPerson(s.person);
        setPersonCsrf(s.csrfToken);
        setCsrfToken(s.csrfToken);
      })
      .catch(() => setPerson(null));
    api<{ agent: Agent; csrfToken: string }>("GET", "/api/v1/backoffice/session")
      .then((s) => {
        setAgent(s.agent);
        setAgentCsrf(s.csrfToken);
        setAgentCsrfToken(s.csrfToken);
      })
      .catch(() => setAgent(null));
  }, []);

  const signedIn = useCallback((p: Person, token: string) => {
    setPerson(p);
    setPersonCsrf(token);
    setCsrfToken(token);
  }, []);
  const agentSignedIn = useCallback((a: Agent, token: string) => {
    setAgent(a);
    setAgentCsrf(token);
    setAgentCsrfToken(token);
  }, []);
  const signOut = useCallback(async () => {
    await endSession("/api/v1/session", personCsrf);
    setPerson(null);
    setCsrfToken(undefined);
  }, [personCsrf]);
  const agentSignOut = useCallback(async () => {
    await endSession("/api/v1/backoffice/session", agentCsrf);
    setAgent(null);
    setAgentCsrfToken(undefined);
  }, [agentCsrf]);

  return (
    <SessionContext.Provider value={{ person, agent, signedIn, agentSignedIn, signOut, agentSignOut }}>{children}</SessionContext.Provider>
  );
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}
