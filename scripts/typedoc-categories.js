// @ts-check
/**
 * A typedoc plugin that arranges the API reference for a reader:
 *
 * - every export goes in the category of the folder it is defined in:
 *   src/<concern>/ is one concern (see docs/architecture.md), so the folder
 *   already says where a reader looks for it. A `@category` tag in the source
 *   wins; an export whose folder has no category here is a warning, which
 *   `npm run docs` treats as an error.
 * - the guides (docs/*.md) come first, in the order the README's Guides
 *   section lists them; a guide it does not list is a warning too.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Comment, CommentTag, Converter } from 'typedoc';

/** The category of the guides. */
export const GUIDES = 'Guides';

/**
 * src/<folder>/ → category. typedoc.json's categoryOrder orders them.
 * @type {Readonly<Record<string, string>>}
 */
export const CATEGORY_BY_FOLDER = Object.freeze({
  client: 'Client',
  keys: 'Client',
  clock: 'Client',
  // Which protocol a node is spoken to in is a client option.
  protocol: 'Client',
  txn: 'Transactions',
  compute: 'Caching',
  lock: 'Locks',
  backoff: 'Backoff policies',
  errors: 'Errors',
  cluster: 'Cluster',
  codec: 'Codecs',
  telemetry: 'Telemetry',
  backend: 'Embedded store',
});

/**
 * Exports read where they are used rather than where they are defined.
 * @type {Readonly<Record<string, string>>}
 */
const CATEGORY_BY_NAME = Object.freeze({
  // gets() hands it out and cas() takes it back; the cluster only checks it.
  CasToken: 'Client',
});

/**
 * The docs/*.md file names the README's "## Guides" section links to, in order.
 * @param {string} readme
 */
function guidesOrder(readme) {
  const section = /^## Guides\n([\s\S]*?)(?=^## )/m.exec(readFileSync(readme, 'utf8'))?.[1] ?? '';
  return [...section.matchAll(/\]\(docs\/([\w.-]+\.md)\)/g)].map((m) => m[1]);
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const reflection of project.children ?? []) {
      // A function's comment sits on its signature; typedoc reads @category from either.
      const comments = [reflection.comment, ...(reflection.signatures ?? []).map((s) => s.comment)];
      if (comments.some((c) => c?.getTag('@category'))) continue;
      const path = project.getSymbolIdFromReflection(reflection)?.packagePath ?? '';
      const folder = /^src\/([^/]+)\//.exec(path)?.[1] ?? '';
      const category = CATEGORY_BY_NAME[reflection.name] ?? CATEGORY_BY_FOLDER[folder];
      if (!category) {
        app.logger.warn(
          `${reflection.name} (${path || 'unknown file'}) has no API reference category: ` +
            'add its folder to CATEGORY_BY_FOLDER in scripts/typedoc-categories.js',
        );
        continue;
      }
      const comment = comments.find((c) => c !== undefined) ?? (reflection.comment = new Comment());
      comment.blockTags.push(new CommentTag('@category', [{ kind: 'text', text: category }]));
    }

    const order = guidesOrder(app.options.getValue('readme'));
    /** @param {import('typedoc').Reflection} doc */
    const rank = (doc) => {
      const file = basename(project.files.getReflectionPath(doc) ?? '');
      const i = order.indexOf(file);
      return i === -1 ? order.length : i;
    };
    for (const doc of project.documents ?? []) {
      doc.frontmatter.category ??= GUIDES;
      if (rank(doc) === order.length) {
        app.logger.warn(
          `docs/${basename(project.files.getReflectionPath(doc) ?? doc.name)} is not listed in the README's Guides section, which sets their reading order`,
        );
      }
    }
    // The default sort strategies keep documents in the order they come in.
    const byRank = (/** @type {import('typedoc').Reflection} */ a, /** @type {typeof a} */ b) =>
      rank(a) - rank(b);
    project.documents?.sort(byRank);
    const all = project.childrenIncludingDocuments ?? [];
    const docs = all.filter((c) => c.isDocument()).sort(byRank);
    all.forEach((c, i) => {
      if (c.isDocument()) all[i] = /** @type {typeof c} */ (docs.shift());
    });
  });
}
