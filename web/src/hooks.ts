/**
 * @module Loading data from the API, again every few seconds while the page
 * is visible, so what is shown stays live without a reload.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/** Calls `load` now, whenever `key` changes, and every `everyMs` (0: once). */
export function usePolled<T>(load: (signal: AbortSignal) => Promise<T>, key: string, everyMs: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, [key]);

  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async (): Promise<void> => {
      try {
        const value = await loadRef.current(ctl.signal);
        if (ctl.signal.aborted) return;
        setData(value);
        setError(undefined);
      } catch (err) {
        if (ctl.signal.aborted) return;
        setError((err as Error).message);
      }
      if (everyMs > 0 && !ctl.signal.aborted) timer = setTimeout(() => void run(), document.hidden ? everyMs * 5 : everyMs);
    };
    void run();
    return () => {
      ctl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [key, everyMs, tick]);

  return { data, error, reload };
}
