// Fetch-on-mount with an IndexedDB copy: a screen shows the last-seen answer when the network is away.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { OfflineError } from "../api/client";
import { cacheGet, cachePut } from "./db";
import { onSynced } from "./state";

export interface Resource<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  /** True when `data` is the saved copy because the network could not be reached. */
  stale: boolean;
  reload: () => void;
}

/**
 * Calls `fn` when the person comes back to the app (it becomes visible or regains focus), at most once per
 * return: what a partner did meanwhile shows without a reload. Edit forms keep their drafts across these
 * reloads, as they are keyed by the saved record.
 */
function onReturn(fn: () => void): () => void {
  let last = 0;
  const back = () => {
    if (document.visibilityState !== "visible" || Date.now() - last < 1000) return;
    last = Date.now();
    fn();
  };
  document.addEventListener("visibilitychange", back);
  addEventListener("focus", back);
  return () => {
    document.removeEventListener("visibilitychange", back);
    removeEventListener("focus", back);
  };
}

export function useResource<T>(key: string | null, load: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<Omit<Resource<T>, "reload">>({ loading: true, stale: false });
  const [tick, setTick] = useState(0);
  // Who asked for a reload that no shown answer has followed yet: a sync waits for them (state.ts).
  const waiting = useRef<(() => void)[]>([]);
  const unmounted = useRef(false);
  const reload = useCallback(
    () =>
      new Promise<void>((answered) => {
        if (unmounted.current) return answered();
        waiting.current.push(answered);
        setTick((t) => t + 1);
      }),
    [],
  );
  useEffect(
    () => () => {
      unmounted.current = true;
      waiting.current.splice(0).forEach((answered) => answered());
    },
    [],
  );
  useEffect(() => onSynced(reload), [reload]);
  useEffect(() => onReturn(reload), [reload]);
  useEffect(() => {
    const asked = waiting.current.splice(0);
    const answer = () => asked.splice(0).forEach((answered) => answered());
    if (key === null) return answer();
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load()
      .then(
        (data) => {
          void cachePut(key, data);
          if (live) setState({ data, loading: false, stale: false });
        },
        async (error) => {
          const saved = error instanceof OfflineError ? await cacheGet<T>(key) : undefined;
          if (!live) return;
          if (saved !== undefined) setState({ data: saved, loading: false, stale: true });
          else setState({ error, loading: false, stale: false });
        },
      )
      .finally(() => {
        if (live) answer();
      });
    return () => {
      live = false;
      // Superseded before answering: the next load answers them (or the unmount releases them).
      if (unmounted.current) answer();
      else waiting.current.push(...asked.splice(0));
    };
  }, [key, tick]);
  return { ...state, reload };
}
