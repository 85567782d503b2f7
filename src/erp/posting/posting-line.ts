import type { Dec } from '../../shared/money.ts';

/** A locked order line with the quantities this posting takes. */
export interface PostingLine {
  readonly row: Record<string, string | null> & {
    id: string;
    line_type: string;
    line_number: number;
  };
  readonly ship: Dec;
  readonly invoice: Dec;
}
