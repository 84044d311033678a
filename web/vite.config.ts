import { defineConfig } from 'vite';

/**
 * The dashboard build (`vite build web`): web/ → web/dist, served by Clickstream at /. Everything
 * is bundled; nothing is loaded from a CDN or a font service.
 */
export default defineConfig({
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    // `npx vite web` while working on the dashboard: the API is a Clickstream on :8080.
    proxy: {
      '/analytics': 'http://127.0.0.1:8080',
      '/graphql': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
