// ESLint for the browser-side glue in assets/ (`make lint` runs `npx eslint assets`).
// The vendored, minified bundles are someone else's code: checked by their authors, not here.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  {ignores: ["assets/*.min.js", "node_modules/"]},
  js.configs.recommended,
  {
    files: ["assets/**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      // Dash, its AG Grid, Plotly, MapLibre and Socket.IO are reached as window.<name>: no other
      // global is declared, so a bare name the browser does not define is an error here.
      globals: globals.browser,
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: {sourceType: "commonjs", globals: globals.node},
  },
];
