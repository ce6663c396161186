#!/usr/bin/env bash
# Install everything the project needs on a Debian machine: system packages, a
# Python virtual environment with the project in editable mode, and the npm packages
# pinned by package-lock.json. Safe to run again; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each command the project runs, and the Debian package that provides it. A command
# found on PATH (Node.js from another source, say) is not installed again.
declare -A APT_PACKAGES=(
    [redis-server]=redis-server
    [mosquitto]=mosquitto
    [mosquitto_passwd]=mosquitto
    [chromium]=chromium
    [nginx]=nginx-light
    [node]=nodejs
    [npm]=npm
)

missing=()
for command in "${!APT_PACKAGES[@]}"; do
    if ! command -v "$command" >/dev/null 2>&1 && [[ ! -x /usr/sbin/$command ]]; then
        missing+=("${APT_PACKAGES[$command]}")
    fi
done
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')
if ((${#missing[@]})); then
    echo "install: apt packages: ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

if [[ ! -x .venv/bin/python ]]; then
    echo "install: creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
    echo "install: pip packages"
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -e '.[admin,bridge,lambda,relay,prerender,site,dev]'
    touch "$stamp"
fi

if [[ -f package-lock.json ]]; then
    if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
        echo "install: npm packages"
        npm ci --no-audit --no-fund --loglevel=error
        touch node_modules
    fi
fi
