/** A count with its noun in the right number: `1 record`, `2 records`, `3 passes`. */
export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n} ${n === 1 ? one : many}`;

/** The word that agrees with a count, without the count: `agree(1, 'is', 'are')` → `is`. */
export const agree = (n: number, one: string, many: string): string => (n === 1 ? one : many);
