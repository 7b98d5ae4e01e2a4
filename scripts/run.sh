#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build, run the built-in default scenario
# (a town of 20,000 people over 20 years), and write the run's report: it ends by printing the
# path of report.html, to open in a browser. Extra arguments go to `attune run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
exec ./build/attune run --report "$@"
