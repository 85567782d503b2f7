import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The repository's `src/` folder. */
export const SRC = path.resolve(import.meta.dirname, '../../src');

/** Every TypeScript source file under `dir` (declaration files left out). */
export function sourceFiles(dir: string = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Every line of `src/` that `matches`, as `src/<file>:<line>: <text>`. */
export function sourceLinesWhere(matches: (line: string) => boolean): string[] {
  const found: string[] = [];
  for (const file of sourceFiles()) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (matches(line))
          found.push(`${path.relative(path.dirname(SRC), file)}:${i + 1}: ${line.trim()}`);
      });
  }
  return found;
}
