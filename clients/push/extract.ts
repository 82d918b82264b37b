// Lean reads of an event's id and creation time from JSON text, without parsing the user it
// carries: the generator spends its CPU receiving, not decoding (full decoding is the
// verifying subscriber's job). Every transport's JSON puts "eventId" and "createdUs" before
// the user, but these reads do not depend on that order.

/** Index just past `"key":` at or after `from`, or -1. */
function valueStart(s: string, key: string, from: number): number {
  const i = s.indexOf(key, from);
  return i === -1 ? -1 : i + key.length;
}

/** The non-negative integer at s[i..] (digits up to the first non-digit), or NaN. */
function digitsAt(s: string, i: number): number {
  let v = 0;
  let n = 0;
  for (; i < s.length; i++, n++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  return n === 0 ? NaN : v;
}

const EVENT_ID = '"eventId":';
const CREATED = '"createdUs":';

/**
 * Calls `onEvent` for every `"eventId":N ... "createdUs":T` pair in `s` (one event object
 * or a poll's array of them); returns how many it found.
 */
export function scanEvents(s: string, onEvent: (eventId: number, createdUs: number) => void): number {
  let found = 0;
  let pos = 0;
  for (;;) {
    const i = valueStart(s, EVENT_ID, pos);
    if (i === -1) return found;
    const eventId = digitsAt(s, i);
    const j = valueStart(s, CREATED, i);
    if (j === -1) return found;
    const createdUs = digitsAt(s, j);
    pos = j;
    if (Number.isFinite(eventId) && Number.isFinite(createdUs)) {
      found++;
      onEvent(eventId, createdUs);
    }
  }
}

/** The integer after `"key":` in s, or NaN (e.g. a poll answer's "last"). */
export function intField(s: string, key: string): number {
  const i = valueStart(s, `"${key}":`, 0);
  return i === -1 ? NaN : digitsAt(s, i);
}
