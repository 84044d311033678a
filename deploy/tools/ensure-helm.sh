#!/usr/bin/env bash
# Prints the path of helm, building it once from the Go module proxy (no download site is
# reachable from CI) into the gitignored .cache/tools. Go's own build cache makes a rebuild in a
# fresh clone on the same machine take seconds; the first build takes about 3 minutes on 2 cores.
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$root/.cache/tools/helm-$HELM_VERSION"
if [[ ! -x "$dir/helm" ]]; then
  command -v go >/dev/null || { echo "ensure-helm: Go is needed to build helm $HELM_VERSION" >&2; exit 1; }
  mkdir -p "$dir"
  echo "ensure-helm: building helm $HELM_VERSION with go install (once)" >&2
  (cd "$dir" && GOBIN="$dir" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION") >&2
fi
echo "$dir/helm"
