import { failure, ok, type Result } from '../../shared/result.ts';

const TERM = /^([+-]?)(\d*)(C?)([DWMQY])$/;

/**
 * Applies a BC date formula ('30D', '1M', 'CM', 'CM+10D', '2W', '1Q', 'CY') to a yyyy-mm-dd date.
 * `C` means "current": end of the current week (Sunday), month, quarter or year.
 */
export function applyDateFormula(formula: string, date: string): Result<string> {
  const text = formula.replace(/\s+/g, '').toUpperCase();
  const d = new Date(`${date}T00:00:00Z`);
  if (text === '') return ok(date);
  const terms = text.match(/[+-]?[^+-]+/g) ?? [];
  for (const term of terms) {
    const m = TERM.exec(term);
    if (!m) return failure('invalid_date_formula', `Invalid date formula "${formula}"`);
    const sign = m[1] === '-' ? -1 : 1;
    const current = m[3] === 'C';
    if (current && m[2] !== '') {
      return failure('invalid_date_formula', `Invalid date formula "${formula}"`);
    }
    const n = sign * (current ? 1 : Number(m[2] || '1'));
    const unit = m[4] as 'D' | 'W' | 'M' | 'Q' | 'Y';
    if (current) endOfPeriod(d, unit);
    else addPeriod(d, unit, n);
  }
  return ok(d.toISOString().slice(0, 10));
}

function addPeriod(d: Date, unit: 'D' | 'W' | 'M' | 'Q' | 'Y', n: number): void {
  if (unit === 'D') d.setUTCDate(d.getUTCDate() + n);
  else if (unit === 'W') d.setUTCDate(d.getUTCDate() + 7 * n);
  else {
    const months = unit === 'M' ? n : unit === 'Q' ? 3 * n : 12 * n;
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + months);
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, last));
  }
}

function endOfPeriod(d: Date, unit: 'D' | 'W' | 'M' | 'Q' | 'Y'): void {
  if (unit === 'D') return;
  if (unit === 'W') {
    d.setUTCDate(d.getUTCDate() + ((7 - d.getUTCDay()) % 7));
    return;
  }
  const months = unit === 'M' ? 1 : unit === 'Q' ? 3 - (d.getUTCMonth() % 3) : 12 - d.getUTCMonth();
  const end = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 0));
  d.setTime(end.getTime());
}
