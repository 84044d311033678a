#!/usr/bin/env bash
# Prints the path of kubernetes-validate (PyPI), installed once into a virtualenv under the
# gitignored .cache/tools. It carries the Kubernetes JSON schemas (strict variants: unknown fields
# are errors) for 1.25 to 1.37, so validating needs no network.
set -euo pipefail
VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.cache/tools/kubernetes-validate-$VERSION"
if [[ ! -x "$venv/bin/kubernetes-validate" ]]; then
  command -v python3 >/dev/null || { echo "ensure-kubernetes-validate: python3 is needed" >&2; exit 1; }
  echo "ensure-kubernetes-validate: installing kubernetes-validate $VERSION (once)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$VERSION" >&2
fi
echo "$venv/bin/kubernetes-validate"
