#!/bin/sh
# Run the example site: PYTHON=.venv/bin/python PORT=8000 DEMO_STORAGE=s3 sh example/run_demo.sh
# DEMO_STORAGE picks the backend (default s3; local, azure, gcloud, sftp, ftp, dropbox, libcloud,
# database, couchdb, mogilefs): launch.py starts its local server, so no account is needed.
# Extra arguments go to runserver (e.g. --noreload).
set -eu
PYTHON=${PYTHON:-python}
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
exec "$PYTHON" "$here/launch.py" "$@"
