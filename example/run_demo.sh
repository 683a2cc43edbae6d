#!/bin/sh
# Check and run the example site: PYTHON=.venv/bin/python PORT=8000 sh example/run_demo.sh
# Extra arguments go to runserver (e.g. --noreload).
set -eu

PYTHON=${PYTHON:-python}
PORT=${PORT:-8000}
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)

"$PYTHON" "$here/manage.py" check
exec "$PYTHON" "$here/manage.py" runserver "127.0.0.1:$PORT" "$@"
