#!/usr/bin/env bash
# Install everything the project needs on a Debian machine: system packages, a
# Python virtual environment with the project in editable mode, and the npm packages
# pinned by package-lock.json. Safe to run again; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(redis-server mosquitto chromium nginx-light nodejs npm python3-venv)

missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "install: apt packages: ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
    echo "install: creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
    echo "install: pip packages"
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -e '.[admin,bridge,lambda,relay,site,dev]'
    touch "$stamp"
fi

if [[ -f package-lock.json ]]; then
    if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
        echo "install: npm packages"
        npm ci --no-audit --no-fund --loglevel=error
        touch node_modules
    fi
fi
