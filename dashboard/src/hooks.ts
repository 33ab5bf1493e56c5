/** Small hooks the pages share: a fetched resource that follows its query, and an element's width for drawing. */
import type { RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Query } from './api';

export interface Fetched<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
}

/**
 * GET `path` whenever it, `query` or `version` changes (path null: nothing to fetch); the previous data stays shown while
 * the next loads. Bump `version` to fetch again after a change the caller made.
 */
export function useFetched<T>(path: string | null, query?: Query, version = 0): Fetched<T> {
  const [state, setState] = useState<Fetched<T>>({ data: null, error: null, loading: path !== null });
  const key = path === null ? null : `${path}?${JSON.stringify(query ?? {})}#${version}`;
  useEffect(() => {
    if (path === null) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api.get<T>(path, query, abort.signal).then(
      (data) => {
        if (!abort.signal.aborted) setState({ data, error: null, loading: false });
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        setState({ data: null, error: e instanceof ApiError ? e : new ApiError(0, 'UNKNOWN', String(e), null), loading: false });
      },
    );
    return () => abort.abort();
  }, [key]);
  return state;
}

/** The element's content width in CSS pixels, following resizes and rotation of the tablet. */
export function useWidth(ref: RefObject<HTMLElement>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref.current]);
  return width;
}
