#!/usr/bin/env bash
# Installs what the project needs outside Python, once: the Datastore emulator, Chromium, Postfix and Dovecot.
set -euo pipefail

need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v chromium >/dev/null || need_apt+=(chromium)
[ -x /usr/sbin/postmap ] || need_apt+=(postfix)  # the mail host's tools, for the export tests (B4)
[ -x /usr/bin/doveadm ] || need_apt+=(dovecot-core)
if ((${#need_apt[@]})); then
  echo "Installing ${need_apt[*]} (Debian packages)…"
  apt-get update -qq
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections  # no mail system set up
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" </dev/null >/dev/null
fi
if ! command -v gcloud >/dev/null; then
  echo "The Google Cloud CLI is missing: install it (https://cloud.google.com/sdk) with its Datastore emulator." >&2
  exit 1
fi
sdk_root=$(gcloud info --format='value(installation.sdk_root)')
if [ ! -d "$sdk_root/platform/cloud-datastore-emulator" ]; then
  echo "Installing the Datastore emulator…"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq google-cloud-cli-datastore-emulator </dev/null >/dev/null 2>&1 \
    || gcloud components install cloud-datastore-emulator --quiet
fi
