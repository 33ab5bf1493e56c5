/** A tiny observable value and the hook that re-renders a component when it changes (no state library needed for a few stores). */
import { useEffect, useReducer } from 'preact/hooks';

export interface Store<T> {
  get(): T;
  set(value: T): void;
  subscribe(listener: () => void): () => void;
}

export function createStore<T>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next) {
      if (Object.is(next, value)) return;
      value = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useStore<T>(store: Store<T>): T {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const value = store.get();
  useEffect(() => {
    const unsubscribe = store.subscribe(() => rerender(0));
    // A change between render and subscription would otherwise be missed.
    if (!Object.is(store.get(), value)) rerender(0);
    return unsubscribe;
  }, [store]);
  return value;
}
