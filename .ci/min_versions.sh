#!/usr/bin/env bash
# The version floors are true: a second venv (.venv-min) gets the OLDEST release requirements.txt admits for
# each package below (its `>=` floor, read from requirements.txt, the floors' one home), every other package
# resolves as usual, and the fast tests run there. CI runs it after `make test`; `make test-min` by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
VENV=${VENV_MIN:-.venv-min}
PINNED=(torch torchvision numpy streamlit plotly pandas pyarrow)
start=$(date +%s)
test -x "$VENV/bin/python" || "$PY" -m venv "$VENV"
constraints="$VENV/constraints.txt"
: >"$constraints"
for name in "${PINNED[@]}"; do
  floor=$(sed -n "s/^${name}[[:space:]]*>=[[:space:]]*\([0-9][0-9a-zA-Z.+]*\).*/\1/p" requirements.txt)
  if [ -z "$floor" ]; then echo "requirements.txt has no '${name}>=' floor" >&2; exit 2; fi
  echo "${name}==${floor}" >>"$constraints"
done
echo "floors pinned:"; sed 's/^/  /' "$constraints"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q -r requirements.txt -r requirements-dev.txt -c "$constraints"
# what actually got installed must be the floor (a floor the index cannot give fails here, not silently later)
"$VENV/bin/python" - "$constraints" <<'PY'
import sys
from importlib.metadata import version

from packaging.version import Version

bad = []
for line in open(sys.argv[1]):
    name, want = line.strip().split("==")
    got = version(name)
    print(f"  {name} {got}")
    if Version(got.split("+")[0]) != Version(want):   # 2.13 is 2.13.0; 2.13.0+cpu is a build of it
        bad.append(f"{name}: wanted {want}, installed {got}")
sys.exit("\n".join(bad) if bad else 0)
PY
"$VENV/bin/python" -m pytest -q -m "not e2e and not slow and not ray" "$@"   # Ray: an extra, no floor
echo "minimum versions: fast tests passed in $(( $(date +%s) - start )) s"
