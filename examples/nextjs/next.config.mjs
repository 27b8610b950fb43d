/** @type {import('next').NextConfig} */
const nextConfig = {
  // better-sqlite3 is a native module: load it from node_modules at run time instead of bundling it.
  serverExternalPackages: ['better-sqlite3'],
  poweredByHeader: false,
  // next dev serves its scripts and hot reload only to the origins it knows, localhost by default: opened at
  // http://127.0.0.1:3000 the page would load without them and never hydrate (its forms then never reach their
  // handlers). Both loopback names are the same machine.
  allowedDevOrigins: ['127.0.0.1', 'localhost'],
};

export default nextConfig;
