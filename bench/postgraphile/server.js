// PostGraphile v4 as the load benchmark starts it: the schema `postgraphile` of the benchmark database (a view of the
// dashboard list that row-level security keyed on the token's sub filters), HS256 tokens verified with the secret
// the benchmark signs them with, every request run as a role that RLS applies to. Configured only through the
// environment, as the benchmark passes it; it prints "ready" once the schema is built and it listens.
"use strict";

const http = require("http");
const { postgraphile } = require("postgraphile");

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return v;
}

const handler = postgraphile(
  { connectionString: need("DATABASE_URL"), max: Number(process.env.POOL || 10) },
  need("PG_SCHEMA"),
  {
    // Production settings, as PostGraphile's documentation recommends them.
    disableQueryLog: true,
    graphiql: false,
    watchPg: false,
    retryOnInitFail: false,
    ignoreRBAC: false,
    setofFunctionsContainNulls: false,
    disableDefaultMutations: true,
    extendedErrors: [],
    // The token: HS256 with the shared secret, the issuer and audience the benchmark's issuer puts in every token.
    // Its claims become jwt.claims.* settings of the transaction each request runs in; RLS reads jwt.claims.sub.
    jwtSecret: need("JWT_SECRET"),
    jwtVerifyOptions: {
      algorithms: ["HS256"],
      audience: need("JWT_AUDIENCE"),
      issuer: need("JWT_ISSUER"),
    },
    pgDefaultRole: need("PG_ROLE"),
  },
);

const server = http.createServer(handler);
server.listen(Number(need("PORT")), "127.0.0.1", () => console.log("ready"));
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
