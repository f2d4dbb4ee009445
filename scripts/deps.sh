#!/usr/bin/env bash
# Installs the optional external tools casefile's tests exercise, when
# missing: readpst (pst-utils), pdftotext (poppler-utils), tesseract,
# the real bounce corpus (python3-flufl.bounce), and chromium with
# chromium-driver for the web workspace's browser tests. Idempotent.
set -euo pipefail
need=()
command -v readpst   >/dev/null 2>&1 || need+=(pst-utils)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -d /usr/lib/python3/dist-packages/flufl/bounce ] || need+=(python3-flufl.bounce)
command -v chromium     >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "deps: missing ${need[*]} (run: sudo apt-get install ${need[*]}); tests needing them will skip"
  fi
fi
