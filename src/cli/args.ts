// Numbers typed on the command line, parsed strictly: an id is a positive decimal integer and a
// count a non-negative one. `Number("0x10")` is 16, `Number("1e2")` 100 and `parseInt("12abc")`
// 12: an officer who mistypes an item id must be told, not shown (or tagged) another item.
import { InputError } from '../shared/contract.ts';
import { strictCount, strictId } from '../shared/text.ts';
import { visible } from './format.ts';

/** An id (item, note, suggestion, source), or a usage error saying what to give instead. */
export function parseId(text: string, what = 'item id', hint = 'give the number shown by evidence ls'): number {
  const n = strictId(text);
  if (n === null) throw new InputError(`"${visible(text)}" is not ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what}: ${hint}`);
  return n;
}

/** A commander option parser for an id. */
export function idArg(what: string, hint?: string): (v: string) => number {
  return (v) => parseId(v, what, hint);
}

/** A commander option parser for a count (limit, offset, threads): 0 or a positive whole number. */
export function countArg(what: string): (v: string) => number {
  return (v) => {
    const n = strictCount(v);
    if (n === null) throw new InputError(`"${visible(v)}" is not a valid ${what}: give a whole number such as 20`);
    return n;
  };
}
