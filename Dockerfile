# syntax=docker/dockerfile:1
# The server as a container image: a static binary on distroless/static, which holds the CA bundle (Neon's
# channel_binding=require verifies the server's certificate against it) and a non-root user, and nothing else: no
# shell, no package manager. The zone database that taskStats needs is inside the binary (time/tzdata).
#
#   docker build --build-arg VERSION=v1.0.0 -t taskapi .
#   docker run -p 8080:8080 -e DATABASE_URL=... -e BETTER_AUTH_URL=... taskapi
#
# TestImageRecipe (deploy/) builds the binary with the same script and runs it in an empty root as this user.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Modules first, so that a change to the code does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=
RUN sh scripts/build-server.sh /out/server "$VERSION" && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
# The embedded database and the development secret live here when DATABASE_URL is unset; mount a volume to keep them.
COPY --from=build --chown=65532:65532 /out/data /data
# HOST=0.0.0.0: in a container the server must be reachable from outside it, development mode or not.
ENV HOST=0.0.0.0 PORT=8080 DATA_DIR=/data
USER 65532:65532
EXPOSE 8080
# The binary probes its own /healthz: there is no shell or curl in the image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/server", "healthcheck"]
ENTRYPOINT ["/server"]
CMD ["serve"]
