/** Exhaustiveness check for switches over unions: compile error when a case is missing. */
export function assertUnreachable(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
