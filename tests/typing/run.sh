#!/usr/bin/env bash
# Every typing check, as CI runs them: mypy --strict and pyright strict over the configured tree
# (array_env, tests, conformance, stubs, examples, benchmarks), the typing suite (pass/, fail/,
# reveal/ under both checkers), and stubtest of stubs/array_api_compat against the installed
# package. Run from anywhere; needs the project's virtual environment active.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== mypy --strict"
mypy
echo "== pyright strict"
pyright
echo "== typing suite (tests/typing under mypy and pyright)"
python -m pytest tests/test_typing.py -q -p no:cacheprovider
echo "== stubtest array_api_compat"
MYPYPATH=stubs python -m mypy.stubtest array_api_compat \
    --mypy-config-file stubs/stubtest.ini --allowlist stubs/stubtest_allowlist.txt
