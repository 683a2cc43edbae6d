#!/bin/sh
# OpenSSH sshd for the SFTP tests (tests/harness/specs/sshd.py runs a private instance).
# Needs the sshd binary and an unprivileged login user "storages-sftp" (password set per test session).
set -eu

if ! command -v /usr/sbin/sshd >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "sshd.sh: install openssh-server (apt-get install openssh-server) to run the SFTP tests"
        exit 0
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server
fi

if ! id storages-sftp >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "sshd.sh: as root, run scripts/install-test-servers (it creates the user storages-sftp) to run the SFTP tests"
        exit 0
    fi
    # No home, no shell: the test sshd forces internal-sftp for this user.
    useradd -M -d /nonexistent -s /usr/sbin/nologin storages-sftp
fi
