/** An object or array open at some point of the text, and where it sits in its parent. */
interface Open {
  /** The names met so far of an object; null for an array. */
  names: string[] | null;
  parent: Open | undefined;
  /** The name (in an object) or index (in an array) of this value in its parent. */
  place: string;
  /** An array's index of the item being read. */
  index: number;
  /** The names again, once there are many (a body of thousands of names is read in linear time). */
  many: Set<string> | null;
}

const NAMES_SCANNED_MAX = 16;

/**
 * The first name given twice in one object of a JSON text, with the path of that object
 * (`events/0`), or null. JSON.parse keeps the last value of such a name silently: a top-up of
 * `{"amount":50000,"amount":5000000}` would credit the second, where a gateway in front, reading
 * the first, saw the first. Called on text JSON.parse has accepted; one pass, strings skipped by search.
 */
export function repeatedJsonName(text: string): { path: string; name: string } | null {
  // No object can hold two names without a comma.
  if (text.indexOf(',') === -1) return null;
  let top: Open | undefined;
  let expectingName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) return null;
      if (expectingName && top?.names) {
        const raw = text.slice(i + 1, end);
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.many ? top.many.has(name) : top.names.includes(name)) return { path: pathOf(top), name };
        top.names.push(name);
        if (top.many) top.many.add(name);
        else if (top.names.length > NAMES_SCANNED_MAX) top.many = new Set(top.names);
        expectingName = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const place = top === undefined ? '' : top.names ? top.names[top.names.length - 1]! : String(top.index);
      top = { names: c === 0x7b ? [] : null, parent: top, place, index: 0, many: null };
      expectingName = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      top = top?.parent;
      expectingName = false;
    } else if (c === 0x2c /* , */ && top) {
      if (top.names) expectingName = true;
      else top.index++;
    }
  }
  return null;
}

function pathOf(open: Open): string {
  const parts: string[] = [];
  for (let at: Open | undefined = open; at?.parent !== undefined; at = at.parent) parts.push(at.place);
  return parts.reverse().join('/');
}

/** Whether the quote at `at` is escaped: preceded by an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let count = 0;
  for (let i = at - 1; i >= 0 && text.charCodeAt(i) === 0x5c; i--) count++;
  return count % 2 === 1;
}
