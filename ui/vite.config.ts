import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// The window loads the built files from the app itself (no dev server, nothing from the
// network), so the build is self-contained: no CDN, fonts from the system.
export default defineConfig({
  plugins: [vue()],
  clearScreen: false,
  build: {
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
