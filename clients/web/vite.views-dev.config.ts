// Vite set-up for the views' development entry (views-dev.html): proxies /graphql (HTTP and graphql-ws)
// to the graph at NEXUS_URL, so the page and the API share one origin as they will behind the gateway.
import { defineConfig } from 'vite';

export function viewsDevConfig(graphUrl: string) {
  return defineConfig({
    root: import.meta.dirname,
    cacheDir: `${import.meta.dirname}/../../.data/vite-views-dev`,
    server: {
      host: '127.0.0.1',
      proxy: { '/graphql': { target: graphUrl, ws: true, changeOrigin: true } },
    },
    build: {
      outDir: `${import.meta.dirname}/../../dist/web-views-dev`,
      emptyOutDir: true,
      rollupOptions: { input: `${import.meta.dirname}/views-dev.html` },
    },
  });
}

export default viewsDevConfig(process.env.NEXUS_URL ?? 'http://127.0.0.1:4000');
