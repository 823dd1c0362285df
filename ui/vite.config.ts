import { defineConfig } from "vite";

// Served by the flows service at /ui/ from its class path (META-INF/resources/ui in this module's jar).
export default defineConfig({
  base: "/ui/",
  build: {
    outDir: "target/classes/META-INF/resources/ui",
    emptyOutDir: true,
    sourcemap: false,
  },
});
