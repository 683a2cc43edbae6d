#!/bin/sh
# vsftpd for the FTP tests (tests/harness/specs/ftp.py runs a private instance): a real FTP
# daemon without MLSD. It logs in a real Unix user, "storages-ftp", through PAM; the user gets no
# shell, so the tests use a PAM service of their own that does not ask for one in /etc/shells.
set -eu

if [ "$(id -u)" -ne 0 ]; then
    if ! command -v /usr/sbin/vsftpd >/dev/null 2>&1 || ! id storages-ftp >/dev/null 2>&1; then
        echo "vsftpd.sh: as root, install vsftpd and create user storages-ftp to run the vsftpd tests"
    fi
    exit 0
fi

if ! command -v /usr/sbin/vsftpd >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends vsftpd
fi

if ! id storages-ftp >/dev/null 2>&1; then
    # vsftpd changes to the home directory before local_root, so it must exist.
    useradd -M -d / -s /usr/sbin/nologin storages-ftp
fi

mkdir -p /var/run/vsftpd/empty

if [ ! -f /etc/pam.d/storages-test-vsftpd ]; then
    cat > /etc/pam.d/storages-test-vsftpd <<'PAM'
# PAM service of the django-storages test vsftpd (scripts/test-servers/vsftpd.sh).
auth     required pam_unix.so
account  required pam_unix.so
session  required pam_unix.so
PAM
fi
