import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const documents = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

// Names the prose assumes exist; each block otherwise imports what it uses.
const PREAMBLE = `
declare const store: import('memcas').Client;
declare const servers: string[];
declare const meterProvider: import('@opentelemetry/api').MeterProvider;
declare const tracerProvider: import('@opentelemetry/api').TracerProvider;
declare const pw1: string;
declare const pw2: string;
interface Profile { name: string; email: string; visits: number }
interface Cart { items: string[] }
`;

/** The preamble without the names the block declares itself. */
function preambleFor(code: string): string {
  return PREAMBLE.split('\n')
    .filter((line) => {
      const name = /^(?:declare const|interface) (\w+)/.exec(line)?.[1];
      return (
        name === undefined || !new RegExp(`\\b(?:const|let|interface|type) ${name}\\b`).test(code)
      );
    })
    .join('\n');
}

function blocks(file: string): Array<{ name: string; code: string }> {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => ({
    name: `${file.replace(/[/.]/g, '_')}_${i + 1}`,
    code: m[1] as string,
  }));
}

describe('code blocks in the README and the guides', () => {
  it('every ts block type-checks against the real API', () => {
    const dir = join(root, 'test', '.doc-blocks');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    for (const doc of documents) {
      for (const b of blocks(doc)) {
        const file = join(dir, `${b.name}.ts`);
        // `export {}` makes each block a module, so top-level await and names stay local.
        writeFileSync(file, `${b.code}\n${preambleFor(b.code)}\nexport {};\n`);
        files.push(file);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(8);
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      baseUrl: root,
      paths: { memcas: ['src/index.ts'] },
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.includes(d.file.fileName))
      .map(
        (d) =>
          `${d.file!.fileName.split('/').pop()}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      );
    rmSync(dir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  }, 60_000);
});
