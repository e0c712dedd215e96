#!/usr/bin/env bash
# Install or download the four Fashion-MNIST files and verify them.
#
# The files count as present when all four decompress to the SHA-256 digests
# below. Folders are searched in this order, and the first complete one wins:
#   1. $FASHION_MNIST_DIR, if set (an error when it lacks a verified file)
#   2. data/fashion-mnist/ in the repository
#   3. /usr/share/datasets/fashion-mnist/ (Debian package dataset-fashion-mnist)
# When none is complete: with apt-get, install dataset-fashion-mnist as root or
# through sudo. Without apt-get, download the missing files into
# data/fashion-mnist/, each under a temporary name that is renamed only after
# its digest matches. FASHION_MNIST_BASE_URL replaces the download location,
# for a mirror.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir="$repo_root/data/fashion-mnist"
system_dir=/usr/share/datasets/fashion-mnist
debian_package=dataset-fashion-mnist
# The download links in the README of github.com/zalandoresearch/fashion-mnist point here.
base_url=${FASHION_MNIST_BASE_URL:-http://fashion-mnist.s3-website.eu-central-1.amazonaws.com}

files=(
    train-images-idx3-ubyte.gz
    train-labels-idx1-ubyte.gz
    t10k-images-idx3-ubyte.gz
    t10k-labels-idx1-ubyte.gz
)

# SHA-256 of each file after gzip decompression, so a re-compressed copy still matches.
declare -A expected_sha256=(
    [train-images-idx3-ubyte.gz]=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
    [train-labels-idx1-ubyte.gz]=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
    [t10k-images-idx3-ubyte.gz]=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
    [t10k-labels-idx1-ubyte.gz]=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
)

log() { printf 'data: %s\n' "$*"; }
fail() { printf 'data: error: %s\n' "$*" >&2; exit 1; }

sha256_of_stdin() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 | cut -d' ' -f1
    else
        fail "neither sha256sum nor shasum is installed; install coreutils or perl to verify the files"
    fi
}

# Print why FILE, a copy of the dataset file NAME, fails verification. Print nothing when it passes.
verification_problem() {
    local file=$1 name=$2 digest
    if [[ ! -f $file ]]; then
        echo "$file is missing"
        return
    fi
    if ! gzip -t "$file" 2>/dev/null; then
        echo "$file is not a valid gzip file (incomplete download?)"
        return
    fi
    digest=$(gzip -dc "$file" | sha256_of_stdin)
    if [[ $digest != "${expected_sha256[$name]}" ]]; then
        echo "$file decompresses to SHA-256 $digest, expected ${expected_sha256[$name]}"
    fi
}

# Succeed when DIR contains all four files and each one verifies. Print each problem otherwise.
folder_is_complete() {
    local dir=$1 name problem complete=0
    for name in "${files[@]}"; do
        problem=$(verification_problem "$dir/$name" "$name")
        if [[ -n $problem ]]; then
            log "  $problem"
            complete=1
        fi
    done
    return "$complete"
}

install_debian_package() {
    local run_as_root=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 \
            || fail "installing $debian_package needs root, and sudo is not installed; run 'apt-get install $debian_package' as root, or set FASHION_MNIST_DIR"
        run_as_root=(sudo)
    fi
    if ! apt-cache show "$debian_package" >/dev/null 2>&1; then
        log "$debian_package is unknown to apt; running apt-get update"
        "${run_as_root[@]}" apt-get update
    fi
    log "installing the Debian package $debian_package"
    DEBIAN_FRONTEND=noninteractive "${run_as_root[@]}" apt-get install -y --no-install-recommends "$debian_package"
}

download_to() {
    local url=$1 destination=$2
    if command -v curl >/dev/null 2>&1; then
        curl --fail --location --silent --show-error --retry 3 --output "$destination" "$url"
    elif command -v wget >/dev/null 2>&1; then
        wget --quiet --tries=3 --output-document="$destination" "$url"
    else
        fail "neither curl nor wget is installed; install one of them to download $url"
    fi
}

download_missing_files() {
    local name target partial problem
    mkdir -p "$data_dir"
    for name in "${files[@]}"; do
        target="$data_dir/$name"
        if [[ -z $(verification_problem "$target" "$name") ]]; then
            continue
        fi
        partial="$target.part"
        log "downloading $base_url/$name"
        download_to "$base_url/$name" "$partial" \
            || { rm -f "$partial"; fail "download of $base_url/$name failed"; }
        problem=$(verification_problem "$partial" "$name")
        if [[ -n $problem ]]; then
            rm -f "$partial"
            fail "$name failed verification: $problem"
        fi
        mv -f "$partial" "$target"
    done
}

if [[ -n ${FASHION_MNIST_DIR:-} ]]; then
    log "checking FASHION_MNIST_DIR=$FASHION_MNIST_DIR"
    folder_is_complete "$FASHION_MNIST_DIR" \
        || fail "FASHION_MNIST_DIR=$FASHION_MNIST_DIR does not contain the four verified Fashion-MNIST files; fix or unset it"
    log "verified the four files in $FASHION_MNIST_DIR"
    exit 0
fi

for dir in "$data_dir" "$system_dir"; do
    [[ -d $dir ]] || continue
    log "checking $dir"
    if folder_is_complete "$dir"; then
        log "verified the four files in $dir"
        exit 0
    fi
done

if command -v apt-get >/dev/null 2>&1; then
    install_debian_package
    folder_is_complete "$system_dir" \
        || fail "the package $debian_package is installed but $system_dir does not contain the four verified files"
    log "verified the four files in $system_dir"
else
    download_missing_files
    folder_is_complete "$data_dir" || fail "the files in $data_dir failed verification"
    log "verified the four files in $data_dir"
fi
