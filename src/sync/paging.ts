/** A page of a read model: how many rows, after skipping how many (shared by the log's lists). */
export interface Paging {
  readonly top: number;
  readonly skip: number;
}
