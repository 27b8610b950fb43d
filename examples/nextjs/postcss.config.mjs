// Tailwind CSS v4 runs as a PostCSS plugin; Next.js picks this file up for app/globals.css.
export default {
  plugins: {
    '@tailwindcss/postcss': {},
  },
};
