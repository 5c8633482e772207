// @ts-check
/**
 * A typedoc plugin that puts every export of the API reference in the
 * category of the folder it is defined in: src/<concern>/ is one concern
 * (see docs/architecture.md), so the folder already says where a reader looks
 * for it. A `@category` tag in the source wins; an export whose folder has no
 * category here is a warning, which `npm run docs` treats as an error.
 */
import { Comment, CommentTag, Converter } from 'typedoc';

/** The category of the guides (typedoc.json's projectDocuments). */
export const GUIDES = 'Guides';

/** src/<folder>/ → category, listed in the order the reference shows them. */
/** @type {Readonly<Record<string, string>>} */
export const CATEGORY_BY_FOLDER = Object.freeze({
  client: 'Client',
  keys: 'Client',
  clock: 'Client',
  txn: 'Transactions',
  backoff: 'Backoff policies',
  errors: 'Errors',
  cluster: 'Cluster',
  codec: 'Codecs',
  telemetry: 'Telemetry',
  backend: 'Embedded store',
  // Which protocol a node is spoken to in is a client option.
  protocol: 'Client',
});

/** Exports read where they are used rather than where they are defined. */
/** @type {Readonly<Record<string, string>>} */
const CATEGORY_BY_NAME = Object.freeze({
  // gets() hands it out and cas() takes it back; the cluster only checks it.
  CasToken: 'Client',
});

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
    // The guides (projectDocuments) come first, in the order typedoc.json lists them.
    for (const document of project.documents ?? []) {
      document.frontmatter.category ??= GUIDES;
    }
  });
}
