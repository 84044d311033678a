#!/usr/bin/env bash
# Installs the Debian packages the whole test suite uses, when missing: kcat (an outside Kafka
# producer), chromium (browser end-to-end tests), prometheus (promtool and the server the
# dashboard test scrapes with), nginx (the compose gateway's configuration, run for real). Java 17
# and Maven fetch Kafka, Cassandra and the JMX exporter themselves.
set -euo pipefail
need=()
command -v kcat >/dev/null || need+=(kcat)
command -v chromium >/dev/null || need+=(chromium)
command -v promtool >/dev/null || need+=(prometheus)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
# python3 with venv: test/fuzz installs schemathesis (PyPI) into a venv under .cache/.
python3 -c "import venv, ensurepip" 2>/dev/null || need+=(python3 python3-venv)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
