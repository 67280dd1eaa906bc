import { defineConfig } from "vitest/config";

// The console is built into ../dist, which the Go package embeds. Names
// carry a content hash, so a build of the same sources gives the same
// files (a Go test compares them with a fresh build).
export default defineConfig({
  base: "/",
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
  test: { include: ["test/**/*.test.ts"] },
  server: {
    // npm run dev: the API and the console API come from a running baton serve.
    proxy: {
      "^/$": { target: "http://127.0.0.1:8083", bypass: (req) => (req.method === "GET" ? req.url : undefined) },
      "/console/api": "http://127.0.0.1:8083",
    },
  },
});
