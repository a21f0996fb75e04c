/**
 * @module The web view's front end, built from `web/` into `dist/web/` by
 * the package's build and shipped in the package: its assets under
 * `/assets/` (names carry a content hash, so they are cached for good), and
 * its page for every other path the browser asks for (the page routes
 * itself). Nothing is fetched from elsewhere at run time.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";

/** `dist/web`, beside `dist/src` where this module is compiled to. */
export const WEB_DIST = fileURLToPath(new URL("../../../web/", import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>orchestrator</title>
<p>The web view's front end is not built: run <code>npm run build</code> in the package.</p>`;

/** The page every browser path gets: read once, at start. */
function readIndex(dir: string): string | undefined {
  const path = join(dir, "index.html");
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/** `/assets/*`, open to anyone: they hold no data. */
export function assetRoutes(dir: string = WEB_DIST): Hono {
  const app = new Hono();
  app.use(
    "/assets/*",
    serveStatic({
      root: dir,
      onFound: (_path, c) => {
        c.header("Cache-Control", "public, max-age=31536000, immutable");
      },
    }),
  );
  app.get("/assets/*", (c) => c.text("not found", 404));
  return app;
}

/** The page for every other GET. */
export function pageRoutes(dir: string = WEB_DIST): Hono {
  const app = new Hono();
  const index = readIndex(dir);
  app.get("*", (c) => {
    c.header("Cache-Control", "no-cache");
    return c.html(index ?? NOT_BUILT, index ? 200 : 503);
  });
  return app;
}
