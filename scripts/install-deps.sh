#!/usr/bin/env bash
# Installs the Debian packages Kestrel needs to build, test and run, only those still missing.
# Used by `make run`, `make test` and `.ci/run`, so a fresh Debian machine needs nothing else.
set -euo pipefail

PACKAGES=(
  pkg-config build-essential ca-certificates curl
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-nice
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-tools gstreamer1.0-x
  libxkbcommon-dev libxkbcommon-x11-0 libgl1-mesa-dev libegl1-mesa-dev libgl1-mesa-dri libegl-mesa0
  libxcursor-dev libxrandr-dev libxi-dev libx11-dev libx11-xcb-dev libwayland-dev
  libvulkan1 mesa-vulkan-drivers
  xvfb xauth x11-utils imagemagick fonts-wqy-microhei
  mosquitto mosquitto-clients openssl
  gdal-bin ffmpeg
  chromium chromium-driver
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "kestrel: installing missing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "kestrel: cargo not found. Install Rust (https://rustup.rs) and run this again." >&2
  exit 1
fi
