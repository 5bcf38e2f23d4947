import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";
import Components from "unplugin-vue-components/vite";
import { ElementPlusResolver } from "unplugin-vue-components/resolvers";

// The window loads the built files from the app itself (no dev server, nothing from the
// network), so the build is self-contained: no CDN, fonts from the system.
//
// Element Plus is imported per component: each `<el-…>` in a template (and `v-loading`)
// brings in its own code and CSS, so a view's chunk carries only what it draws and the first
// screen does not wait for the whole library (see scripts/bench-startup.sh).
export default defineConfig({
  plugins: [
    vue(),
    Components({
      resolvers: [ElementPlusResolver({ importStyle: "css", directives: true })],
      dts: false,
      // Only the resolver: the app's own components are imported explicitly.
      dirs: [],
    }),
  ],
  clearScreen: false,
  build: {
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
