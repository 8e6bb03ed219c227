#!/usr/bin/env bash
# The notebooks' Jupyter kernel: tslab started from the project root.
# tslab compiles a notebook and the local TypeScript it imports with the working directory as its
# root, so project files must lie under it; starting here (rather than in notebooks/, where
# Jupyter would start it) also makes paths such as data/history/… and ./src/… mean the same in
# every notebook. Registered as the kernelspec "microfulfil-ts" by notebooks/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node_modules/.bin/tslab kernel --config-path "$1"
