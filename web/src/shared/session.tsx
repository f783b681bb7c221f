import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { ApiError, client, ok, setAgentCsrfToken, setCsrfToken } from "./api/client";
import type { Agent, Person } from "./api/types";

type SessionState = {
  /** undefined while loading, null when signed out. */
  person: Person | null | undefined;
  agent: Agent | null | undefined;
  signedIn: (person: Person, csrfToken: string) => void;
  agentSignedIn: (agent: Agent, csrfToken: string) => void;
  signOut: () => Promise<void>;
  agentSignOut: () => Promise<void>;
};

/** An already expired session (401) is signed out all the same. */
const expiredIsFine = (e: unknown) => {
  if (!(e instanceof ApiError && e.status === 401)) throw e;
};

const SessionContext = createContext<SessionState | undefined>(undefined);

/**
 * The two sessions of this browser: the person's (company side) and the agent's (back office), each with its CSRF
 * token. Signing out also empties the query cache, so that nothing of a person stays for the next one.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [person, setPerson] = useState<Person | null | undefined>(undefined);
  const [agent, setAgent] = useState<Agent | null | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    ok(client.GET("/api/v1/session", { signal: controller.signal })).then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setPerson(s.person);
      },
      () => !controller.signal.aborted && setPerson(null),
    );
    ok(client.GET("/api/v1/backoffice/session", { signal: controller.signal })).then(
      (s) => {
        setAgentCsrfToken(s.csrfToken);
        setAgent(s.agent);
      },
      () => !controller.signal.aborted && setAgent(null),
    );
    return () => controller.abort();
  }, []);

  const signedIn = useCallback((p: Person, token: string) => {
    setCsrfToken(token);
    setPerson(p);
  }, []);
  const agentSignedIn = useCallback((a: Agent, token: string) => {
    setAgentCsrfToken(token);
    setAgent(a);
  }, []);
  const signOut = useCallback(async () => {
    await ok(client.DELETE("/api/v1/session")).catch(expiredIsFine);
    setPerson(null);
    setCsrfToken(undefined);
    queryClient.clear();
  }, [queryClient]);
  const agentSignOut = useCallback(async () => {
    await ok(client.DELETE("/api/v1/backoffice/session")).catch(expiredIsFine);
    setAgent(null);
    setAgentCsrfToken(undefined);
    queryClient.clear();
  }, [queryClient]);

  return <SessionContext.Provider value={{ person, agent, signedIn, agentSignedIn, signOut, agentSignOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}
