/**
 * npm run docs:check — loads the built API reference (docs/api, built first
 * when missing) in a real headless Chromium, served over HTTP as a host would
 * serve it, and checks what a reader sees: the landing page, the Client page
 * and one guide have their key headings, the sidebar shows the categories in
 * order, and every link in the sidebar resolves (the page exists and so does
 * the anchor). Fails on a script error or a resource that does not load.
 * Needs Chromium (Debian: apt-get install -y chromium; or set CHROMIUM_BIN).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { findChromium, HeadlessChromium } from './headless-chromium.js';

const root = new URL('..', import.meta.url).pathname;
const site = join(root, 'docs', 'api');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
};

/** Serves docs/api read-only on a free loopback port. */
function serve(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(site, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(site) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'text/plain; charset=utf-8' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, base: `http://127.0.0.1:${port}/` });
    }),
  );
}

/** What the checks read from a page once typedoc's scripts have built it. */
interface PageView {
  title: string;
  h1: string[];
  headings: string[];
  categories: string[];
  sidebarLinks: string[];
  contentLinks: string[];
}

// typedoc hides the body until its script runs, and builds the sidebar from
// navigation.js after load: wait for both, then read the page.
const READY = `document.body.style.display !== 'none' && document.querySelector('.site-menu nav a, #tsd-nav-container a')`;
const VIEW = `(() => {
  const text = (e) => e.textContent.trim().replace(/\\s+/g, ' ');
  const content = document.querySelector('.col-content');
  const sidebar = [...document.querySelectorAll('.col-sidebar a[href], .site-menu a[href]')];
  return {
    title: document.title,
    h1: [...content.querySelectorAll('h1')].map(text),
    headings: [...content.querySelectorAll('h1, h2, h3, h4')].map(text),
    categories: [...document.querySelectorAll('#tsd-nav-container > li > details > summary')].map(text),
    sidebarLinks: [...new Set(sidebar.map((a) => a.href))],
    contentLinks: [...new Set([...content.querySelectorAll('a[href]')].map((a) => a.href))],
  };
})()`;
// Resolves links from inside the page, as the browser would follow them: the
// page must load (HTTP 200) and a #fragment must name an element on it.
const RESOLVE = (links: readonly string[]): string => `(async () => {
  const pages = new Map();
  const broken = [];
  for (const href of ${JSON.stringify(links)}) {
    const url = new URL(href);
    if (url.origin !== location.origin) continue;
    const page = url.href.split('#')[0];
    if (!pages.has(page)) {
      const res = await fetch(page);
      pages.set(page, res.ok ? new DOMParser().parseFromString(await res.text(), 'text/html') : res.status);
    }
    const doc = pages.get(page);
    if (typeof doc === 'number') broken.push(href + ' (HTTP ' + doc + ')');
    else if (url.hash && !doc.getElementById(decodeURIComponent(url.hash.slice(1))) && !doc.getElementsByName(decodeURIComponent(url.hash.slice(1))).length)
      broken.push(href + ' (no such anchor)');
  }
  return { checked: pages.size, broken };
})()`;

const results: Array<{ ok: boolean; what: string; detail: string }> = [];
function check(what: string, problems: readonly string[], detail = ''): void {
  results.push({
    ok: problems.length === 0,
    what,
    detail: problems.length ? problems.join('\n      ') : detail,
  });
}
function missing(wanted: readonly string[], have: readonly string[]): string[] {
  return wanted.filter((w) => !have.includes(w)).map((w) => `missing "${w}"`);
}

/** Headings of a markdown file, `#` and `##` only, as typedoc renders them. */
function markdownHeadings(file: string): { title: string; sections: string[] } {
  const lines = readFileSync(file, 'utf8').split('\n');
  let fenced = false;
  const found: string[] = [];
  for (const line of lines) {
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced && /^#{1,2} /.test(line)) found.push(line);
  }
  const strip = (h: string): string => h.replace(/^#+ /, '').replace(/`/g, '').trim();
  return {
    title: strip(found.find((h) => h.startsWith('# ')) ?? ''),
    sections: found.filter((h) => h.startsWith('## ')).map(strip),
  };
}

async function main(): Promise<number> {
  if (!existsSync(join(site, 'index.html'))) {
    console.log('docs/api is not built: running npm run docs');
    const built = spawnSync('npm', ['run', 'docs'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) return 1;
  }
  const bin = findChromium();
  if (!bin) {
    console.error(
      'docs check: headless Chromium is needed. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_BIN.',
    );
    return 1;
  }
  const typedoc = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as {
    categoryOrder: string[];
  };
  const categories = typedoc.categoryOrder.filter((c) => c !== '*');
  const guides = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));
  const concepts = markdownHeadings(join(root, 'docs', 'concepts.md'));

  const { server, base } = await serve();
  const browser = await HeadlessChromium.launch(bin);
  const failures: string[] = [];
  browser.onEvent((e) => {
    const p = e.params as {
      exceptionDetails?: { exception?: { description?: string }; text?: string };
      response?: { status: number; url: string };
      errorText?: string;
      type?: string;
      args?: Array<{ value?: unknown }>;
    };
    if (e.method === 'Runtime.exceptionThrown') {
      failures.push(
        `script error: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`,
      );
    } else if (e.method === 'Runtime.consoleAPICalled' && p.type === 'error') {
      failures.push(`console error: ${p.args?.map((a) => String(a.value)).join(' ')}`);
    } else if (
      e.method === 'Network.responseReceived' &&
      p.response &&
      p.response.status >= 400 &&
      !p.response.url.endsWith('/favicon.ico') // asked for by the browser, not by the docs
    ) {
      failures.push(`HTTP ${p.response.status} for ${p.response.url}`);
    } else if (e.method === 'Network.loadingFailed' && p.errorText !== 'net::ERR_ABORTED') {
      failures.push(`failed to load a resource: ${p.errorText}`);
    }
  });
  console.log(`docs check: ${bin} on ${base} (docs/api)`);

  const sidebarLinks = new Set<string>();
  /** Loads one page and returns what it shows, recording load failures as a check. */
  const open = async (path: string): Promise<PageView> => {
    failures.length = 0;
    await browser.navigate(base + path);
    await browser.waitFor(READY, `${path} to show its sidebar`);
    const view = await browser.evaluate<PageView>(VIEW);
    view.sidebarLinks.forEach((l) => sidebarLinks.add(l));
    check(`${path} loads with no script error or missing resource`, [...failures]);
    return view;
  };

  try {
    const landing = await open('index.html');
    check(
      'landing page shows the name once, then the README',
      [
        ...(landing.title === 'memcas' ? [] : [`title is "${landing.title}"`]),
        ...(landing.h1.length === 1 && landing.h1[0] === 'memcas'
          ? []
          : [`h1 headings: ${JSON.stringify(landing.h1)}`]),
        ...missing(['Set-up', 'Usage', 'Examples', 'Guides'], landing.headings),
      ],
      `h1 "memcas"; ${landing.headings.length} headings`,
    );
    const guideLinks = landing.contentLinks.filter((l) => /\/documents\/[^/]+\.html$/.test(l));
    check(
      'landing page links to every guide',
      guideLinks.length >= guides.length
        ? []
        : [`${guideLinks.length} guide links for ${guides.length} docs/*.md`],
      `${guideLinks.length} guides`,
    );
    check(
      'sidebar lists the guides, then the API by category, in order',
      JSON.stringify(landing.categories) === JSON.stringify(categories)
        ? []
        : [`expected ${categories.join(', ')}`, `got ${landing.categories.join(', ')}`],
      landing.categories.join(' > '),
    );

    const client = await open('classes/Client.html');
    check(
      'Client page: the class, its constructor and its methods',
      missing(
        ['Class Client', 'Constructors', 'Methods', 'get', 'gets', 'set', 'cas', 'update', 'close'],
        client.headings,
      ),
      `${client.headings.length} headings`,
    );

    const guide = await open('documents/Concepts.html');
    check(
      'Concepts guide: its title and every section of docs/concepts.md',
      missing([concepts.title, ...concepts.sections], guide.headings),
      `"${concepts.title}" and ${concepts.sections.length} sections`,
    );

    const { checked, broken } = await browser.evaluate<{ checked: number; broken: string[] }>(
      RESOLVE([...sidebarLinks, ...landing.contentLinks]),
    );
    check(
      'every sidebar link (and every link on the landing page) resolves',
      broken,
      `${sidebarLinks.size} sidebar links, ${checked} pages`,
    );
  } finally {
    await browser.close();
    server.close();
  }

  for (const r of results) {
    console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.what}${r.detail ? `\n      ${r.detail}` : ''}`);
  }
  const bad = results.filter((r) => !r.ok).length;
  console.log(
    bad
      ? `docs check FAILED: ${bad} of ${results.length} checks`
      : `docs check: all ${results.length} checks ok`,
  );
  return bad ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`docs check: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
