#!/usr/bin/env bash
# The whole test suite: installs optional tools, checks formatting and
# vet, then runs every Go test (fuzz seed corpora included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/services.sh || echo "services: some services did not start; their tests will skip"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt needed on: $unformatted"; exit 1
fi
go vet ./...
go test -count=1 -timeout 30m ./... "$@"
