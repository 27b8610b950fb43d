#!/bin/sh
# Builds the server binary exactly as the container image ships it; the Dockerfile and the test that proves the image
# recipe without Docker (TestImageRecipe in deploy/) both run this script, so the two cannot drift apart.
#
#   scripts/build-server.sh OUTPUT [VERSION]
#
# CGO_ENABLED=0 makes a static binary (the SQLite driver is pure Go), which runs on distroless/static or scratch.
# VERSION (default: git describe, else "(devel)") is stamped into main.version; `server version`, the log and the
# taskapi_build_info metric show it. -trimpath keeps this machine's paths out of the binary.
set -eu
out="${1:?usage: scripts/build-server.sh OUTPUT [VERSION]}"
case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
cd "$(dirname "$0")/.."
version="${2:-}"
if [ -z "$version" ]; then
  version="$(git describe --tags --always --dirty 2>/dev/null || echo '(devel)')"
fi
CGO_ENABLED=0 exec go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out" ./cmd/server
