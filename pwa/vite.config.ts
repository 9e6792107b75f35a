import { defineConfig } from "vite";
import preact from "@preact/preset-vite";
import { VitePWA } from "vite-plugin-pwa";

export default defineConfig({
  plugins: [
    preact({ prerender: { enabled: false } }),
    VitePWA({
      strategies: "injectManifest",
      srcDir: "src",
      filename: "sw.ts",
      // The app registers the worker itself, lazily, after the first render (src/sw-bridge.ts).
      injectRegister: false,
      registerType: "prompt",
      // Manifest screenshots are for install dialogs, not for working offline.
      injectManifest: { globPatterns: ["**/*.{js,css,html,png,svg,webmanifest}"], globIgnores: ["screenshots/**"] },
      manifest: {
        name: "Followthrough",
        short_name: "Followthrough",
        description: "Turn what holds you back into key actions you follow through on.",
        id: "/",
        start_url: "/today",
        scope: "/",
        display: "standalone",
        background_color: "#ffffff",
        theme_color: "#1f5f8b",
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
        // Long-press on the home-screen icon (Android, desktop Chromium).
        shortcuts: [
          { name: "Today", short_name: "Today", description: "Today's key actions and check-ins", url: "/today", icons: [{ src: "/icons/icon-192.png", sizes: "192x192", type: "image/png" }] },
          { name: "New key action", short_name: "New action", description: "Commit to a new key action", url: "/actions/new", icons: [{ src: "/icons/icon-192.png", sizes: "192x192", type: "image/png" }] },
        ],
        // Shown in the richer install dialog; made by scripts/screenshots.mjs from the demo participant.
        screenshots: [
          { src: "/screenshots/today-narrow.png", sizes: "390x844", type: "image/png", form_factor: "narrow", label: "Today: the key actions due, checked in with one tap" },
          { src: "/screenshots/plan-narrow.png", sizes: "390x844", type: "image/png", form_factor: "narrow", label: "Plan: barriers and the key actions against them" },
        ],
      },
    }),
  ],
  build: { target: "es2020", modulePreload: { polyfill: false } },
  // `FT_API` points the dev server at a backend on another port (e.g. one per developer or test run).
  server: { proxy: { "/api": process.env.FT_API ?? "http://127.0.0.1:8000" } },
});
