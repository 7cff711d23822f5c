#!/bin/sh
# Builds the image spear-example-upper:1 locally: compiles upper.c statically (gcc, glibc's
# static libc from libc6-dev) and builds the Dockerfile from a scratch folder holding only the
# binary, so nothing is pulled from a registry. Usage: sh examples/container-upper/build.sh [tag]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tag=${1:-spear-example-upper:1}
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
gcc -static -O2 -Wall -o "$context/upper" "$here/upper.c"
cp "$here/Dockerfile" "$context/Dockerfile"
docker build -t "$tag" "$context"
