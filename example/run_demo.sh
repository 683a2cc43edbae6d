#!/bin/sh
# Check and run the example site: PYTHON=.venv/bin/python PORT=8000 sh example/run_demo.sh
# By default it starts a local S3 server (moto, from the same virtualenv) and stores media with
# S3Storage and static files with S3ManifestStaticStorage there: no account needed.
# DEMO_STORAGE=local uses LocalStorage in example/media instead; STORAGE_BACKEND and
# STORAGE_OPTIONS pick any other backend. Extra arguments go to runserver (e.g. --noreload).
set -eu

PYTHON=${PYTHON:-python}
PORT=${PORT:-8000}
S3_PORT=${S3_PORT:-9000}
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)

if [ -z "${STORAGE_BACKEND:-}" ] && [ "${DEMO_STORAGE:-s3}" = "s3" ]; then
  moto="$(dirname -- "$PYTHON")/moto_server"
  log="${TMPDIR:-/tmp}/storages-demo-s3.log"
  "$moto" -H 127.0.0.1 -p "$S3_PORT" >"$log" 2>&1 &
  moto_pid=$!
  trap 'kill "$moto_pid" 2>/dev/null || true' EXIT INT TERM
  DEMO_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  export DEMO_S3_ENDPOINT
  "$PYTHON" - "$DEMO_S3_ENDPOINT" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("the demo's S3 server (moto) did not start; see its log")
PY
  echo "S3 server (moto) at $DEMO_S3_ENDPOINT: media in bucket demo-media, static files in demo-static"
fi

"$PYTHON" "$here/manage.py" check
"$PYTHON" "$here/manage.py" collectstatic --noinput --verbosity 0
"$PYTHON" "$here/manage.py" runserver "127.0.0.1:$PORT" "$@"
