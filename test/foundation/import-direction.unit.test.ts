import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { SRC, sourceFiles } from '../helpers/source-lines.ts';

/**
 * The shape of src/ (docs/architecture.md): each top-level folder sits in one layer and imports
 * only from layers below it. The four parts in one layer (erp, crm-emulator, dataverse, sync) never
 * import each other: the engine sees the systems through its ports, which src/integration
 * implements. Type-only imports count too: a type that points upward ties the layers as much.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['shared'],
  ['db'],
  ['app'],
  ['erp', 'crm-emulator', 'dataverse', 'sync'],
  ['integration'],
  ['flows'],
  ['web'],
  ['server'],
  ['cli'],
];

const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

/** Every relative import (static, type-only, re-export or dynamic) of a file, resolved to a path. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.resolve(path.dirname(file), spec))
    .filter((target) => !path.relative(SRC, target).startsWith('..'));
}

const folderOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0]!;
const rel = (file: string): string => path.relative(path.dirname(SRC), file);

/** The rule for one import: empty when allowed, otherwise why not. */
function upwardImport(fromFolder: string, toFolder: string): string | undefined {
  if (fromFolder === toFolder) return undefined;
  const from = layerOf.get(fromFolder);
  const to = layerOf.get(toFolder);
  if (from === undefined) return `src/${fromFolder} has no layer (add it to LAYERS)`;
  if (to === undefined) return `src/${toFolder} has no layer (add it to LAYERS)`;
  if (to < from) return undefined;
  const below = LAYERS.slice(0, from).flat().join(', ');
  return to === from
    ? `${fromFolder} and ${toFolder} are parts side by side and never import each other`
    : `${fromFolder} may import only from ${below} (${toFolder} sits above it)`;
}

/** Groups of files that import each other in a circle (Tarjan's strongly connected components). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

test('imports in src/ point down the layers: shared ← db ← app ← parts ← integration ← flows ← web ← server ← cli', () => {
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    for (const target of imports) {
      const why = upwardImport(folderOf(file), folderOf(target));
      if (why) wrong.push(`${rel(file)} imports ${rel(target)}: ${why}`);
    }
  }
  assert.deepEqual(wrong, [], `upward imports:\n${wrong.join('\n')}`);
});

test('no two files of src/ import each other, directly or around a circle', () => {
  const found = cycles(graph).map((group) => group.map(rel).join(' → '));
  assert.deepEqual(found, [], `import cycles:\n${found.join('\n')}`);
});

test('the rule itself: upward and sideways imports are refused, downward ones allowed', () => {
  assert.equal(upwardImport('erp', 'shared'), undefined);
  assert.equal(upwardImport('integration', 'sync'), undefined);
  assert.equal(upwardImport('cli', 'server'), undefined);
  assert.match(upwardImport('erp', 'server') ?? '', /erp may import only from shared, db, app/);
  assert.match(upwardImport('sync', 'erp') ?? '', /never import each other/);
  assert.match(upwardImport('shared', 'db') ?? '', /shared may import only from/);
  assert.match(upwardImport('reports', 'shared') ?? '', /src\/reports has no layer/);
  const circle = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.deepEqual(cycles(circle), [['a', 'b', 'c']]);
});
