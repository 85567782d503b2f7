/** The length of an ERP line description (and so of each comment line). */
export const ERP_DESCRIPTION_LENGTH = 100;

/**
 * Cuts a (possibly multi-line) text into pieces of at most `max` characters: every text line on
 * its own, a long line at the last space of a piece when there is one in its second half (so words
 * stay whole), otherwise exactly at `max`. Blank lines are dropped.
 */
export function chunkText(text: string, max = ERP_DESCRIPTION_LENGTH): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    let rest = raw.trim();
    while (rest.length > max) {
      const space = rest.lastIndexOf(' ', max);
      const cut = space > max / 2 ? space : max;
      out.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).trimStart();
    }
    if (rest) out.push(rest);
  }
  return out;
}

/** A text cut to a field's length. */
export const truncate = (text: string | null | undefined, max: number): string =>
  (text ?? '').slice(0, max);
