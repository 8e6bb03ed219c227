#!/usr/bin/env bash
# npm run notebooks [-- FILE.ipynb …]: execute the notebooks headless with Jupyter's nbconvert and
# the tslab TypeScript kernel, failing on the first cell error.
#
#   default                      outputs are written back into the notebooks (commit them)
#   NOTEBOOKS_OUTPUT_DIR=DIR     executed copies go to DIR instead, the notebooks stay untouched (CI)
#   --install-kernel             only register the "microfulfil-ts" kernel for this user, so
#                                Jupyter Lab / Notebook can open and re-run the notebooks
#
# Needs Debian's jupyter-nbconvert, jupyter-client and python3-ipykernel, and npm's tslab
# (a devDependency). The Jupyter tools run on /usr/bin/python3: the first python3 on PATH may be
# another interpreter without Jupyter.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
export PYDEVD_DISABLE_FILE_VALIDATION=1 # silence debugpy's frozen-modules warning in every kernel start

if ! command -v jupyter-nbconvert >/dev/null 2>&1; then
  echo "notebooks: jupyter-nbconvert is missing: apt-get install -y jupyter-nbconvert jupyter-client python3-ipykernel" >&2
  exit 1
fi
[ -x node_modules/.bin/tslab ] || { echo "notebooks: tslab is missing: npm install" >&2; exit 1; }

# tslab's own kernelspecs (idempotent), then ours: tslab started from the project root.
tslab install --python=/usr/bin/python3 >/dev/null 2>&1 || tslab install --python=/usr/bin/python3
spec_dir="$(mktemp -d)"
trap 'rm -rf "$spec_dir"' EXIT
mkdir -p "$spec_dir/kernels/microfulfil-ts"
cat >"$spec_dir/kernels/microfulfil-ts/kernel.json" <<JSON
{"argv": ["bash", "$root/notebooks/kernel.sh", "{connection_file}"], "display_name": "TypeScript (microfulfil)", "language": "typescript"}
JSON
if [ "${1:-}" = "--install-kernel" ]; then
  /usr/bin/python3 -m jupyter kernelspec install --user --replace --name microfulfil-ts "$spec_dir/kernels/microfulfil-ts"
  exit 0
fi
export JUPYTER_PATH="$spec_dir${JUPYTER_PATH:+:$JUPYTER_PATH}"

if [ "$#" -gt 0 ]; then notebooks=("$@"); else notebooks=(notebooks/*.ipynb); fi
# nbconvert stops at the first cell whose reply is an error. tslab reports TypeScript and runtime
# errors on stderr with an empty error value, so after a failure the notebook is run again with
# --allow-errors and what the cells wrote to stderr is shown. A failed run never touches the
# committed notebook: outputs are written to a work folder and copied back only on success.
out_dir="${NOTEBOOKS_OUTPUT_DIR:-$spec_dir/out}"
mkdir -p "$out_dir"
execute() {
  /usr/bin/python3 -m jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=microfulfil-ts \
    --ExecutePreprocessor.timeout=600 --log-level=WARN "$@"
}
status=0
for nb in "${notebooks[@]}"; do
  started=$SECONDS
  echo "== $nb"
  if execute --output-dir "$out_dir" "$nb" 2>"$out_dir/nbconvert.log"; then
    [ -z "${NOTEBOOKS_OUTPUT_DIR:-}" ] && cp "$out_dir/$(basename "$nb")" "$nb"
    echo "   ok in $((SECONDS - started)) s"
  else
    tail -n 6 "$out_dir/nbconvert.log" >&2
    echo "   FAILED after $((SECONDS - started)) s; what the cells wrote to stderr:" >&2
    execute --allow-errors --output-dir "$out_dir/failed" "$nb" 2>/dev/null || true
    /usr/bin/python3 "$root/notebooks/show_stderr.py" "$out_dir/failed/$(basename "$nb")" >&2 || true
    status=1
  fi
done
exit $status
