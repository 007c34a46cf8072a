// Vite build of the web app (index.html) and the offline GraphiQL (graphiql.html): two entries, one
// output folder that the gateway serves. No plugin: Vite's own TSX transform (oxc) handles React.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  // Monaco's language workers (GraphiQL's editors) are ES-module workers.
  worker: { format: 'es' },
  build: {
    outDir: here('../../dist/web'),
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: { index: here('index.html'), graphiql: here('graphiql.html') },
      // Libraries' "use client" lines mean nothing in a client-only bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
