// The custody log's pages for the virtual list (issue 14): the engine answers a page of 200
// events at a time (custodyPage) with the filters' total, so a 20,000-event log opens with one
// page instead of every event. Pages are fetched as rows come into view: by keyset on the seq
// when a neighbouring page is loaded (scrolling), by offset when the scrollbar jumps. Opened at
// an event (the header's "Chain broken at #N", or the selection kept across a filter change),
// the first request asks for the page holding that event and where it sits in the list.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CustodyEvent, Input } from '../shared/contract.ts';
import { getClient } from './api.ts';

export const CUSTODY_PAGE = 200;

/** The filters of custodyPage, without the page's position. */
export type CustodyQuery = Omit<Input<'custodyPage'>, 'after' | 'before' | 'at' | 'offset' | 'limit'>;

export interface CustodyPages {
  /** How many events match the filters; null until the first page is in. */
  total: number | null;
  /** The event at a position of the list, when its page is loaded. */
  eventAt(index: number): CustodyEvent | undefined;
  /** Asks for the pages holding these positions (each page once). */
  want(first: number, last: number): void;
  /** Where the event the list was opened at sits (null: the filters leave it out), once known. */
  opened: { index: number | null; nonce: number } | null;
  error: string | null;
}

/**
 * `query` must be a new object exactly when the filters change (or the list is to be read again);
 * `openAt` is read when it does: the event to open the list at, if any.
 */
export function useCustodyPages(query: CustodyQuery, openAt: () => number | null): CustodyPages {
  const pages = useRef(new Map<number, CustodyEvent[]>());
  const asked = useRef(new Set<number>());
  const generation = useRef(0);
  const [total, setTotal] = useState<number | null>(null);
  const [opened, setOpened] = useState<CustodyPages['opened']>(null);
  const [error, setError] = useState<string | null>(null);
  // Re-render when a page arrives (the pages themselves live in a ref: no copy per page).
  const [, setLoaded] = useState(0);
  const queryRef = useRef(query);
  queryRef.current = query;

  const store = useCallback((gen: number, page: { events: CustodyEvent[]; total: number; offset: number }) => {
    if (gen !== generation.current) return false;
    // A page starts on a multiple of CUSTODY_PAGE (offset and `at` requests align; keyset ones
    // continue a loaded page): split it where a page boundary falls, in case it does not.
    page.events.forEach((e, k) => {
      const i = page.offset + k;
      const p = Math.floor(i / CUSTODY_PAGE);
      let arr = pages.current.get(p);
      if (!arr) pages.current.set(p, (arr = []));
      arr[i % CUSTODY_PAGE] = e;
      asked.current.add(p);
    });
    setTotal(page.total);
    setError(null);
    setLoaded((n) => n + 1);
    return true;
  }, []);

  const fetchPage = useCallback(
    (p: number) => {
      if (asked.current.has(p)) return;
      asked.current.add(p);
      const gen = generation.current;
      const before = pages.current.get(p - 1);
      const after = pages.current.get(p + 1);
      const input: Input<'custodyPage'> = { ...queryRef.current, limit: CUSTODY_PAGE };
      // Keyset from a loaded neighbour: the engine finds the page by the seq index, however deep.
      if (before && before.length === CUSTODY_PAGE && before[CUSTODY_PAGE - 1]) input.after = before[CUSTODY_PAGE - 1]!.seq;
      else if (after?.[0]) input.before = after[0].seq;
      else input.offset = p * CUSTODY_PAGE;
      getClient()
        .call('custodyPage', input)
        .then(
          (page) => void store(gen, page),
          (e: Error) => {
            if (gen !== generation.current) return;
            asked.current.delete(p);
            setError(e.message);
          },
        );
    },
    [store],
  );

  // A new list: the filters changed, or something was recorded.
  useEffect(() => {
    const gen = ++generation.current;
    pages.current = new Map();
    asked.current = new Set();
    setTotal(null);
    const at = openAt();
    const input: Input<'custodyPage'> = { ...query, limit: CUSTODY_PAGE };
    if (at !== null) input.at = at;
    getClient()
      .call('custodyPage', input)
      .then(
        (page) => {
          if (!store(gen, page)) return;
          if (at !== null) setOpened({ index: page.at, nonce: gen });
        },
        (e: Error) => gen === generation.current && setError(e.message),
      );
    // openAt is read once per new list on purpose: a selection made while scrolling must not refetch.
  }, [query, store]);

  const eventAt = useCallback((i: number) => pages.current.get(Math.floor(i / CUSTODY_PAGE))?.[i % CUSTODY_PAGE], []);
  const want = useCallback(
    (first: number, last: number) => {
      if (total === null) return;
      const lastPage = Math.floor(Math.min(last, total - 1) / CUSTODY_PAGE);
      for (let p = Math.floor(Math.max(0, first) / CUSTODY_PAGE); p <= lastPage; p++) fetchPage(p);
    },
    [fetchPage, total],
  );

  return { total, eventAt, want, opened, error };
}
