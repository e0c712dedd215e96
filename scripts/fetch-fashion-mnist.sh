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
# its digest matches, so an interrupted or failed download never leaves a file
# under the final name.
#
# Environment:
#   FASHION_MNIST_BASE_URL       download location instead of the official one (a mirror)
#   FASHION_MNIST_SKIP_APT=1     download even where apt-get exists
#   FASHION_MNIST_DOWNLOAD_DIR   folder to search first and download into, instead of
#                                data/fashion-mnist/ (the crate then needs FASHION_MNIST_DIR)
#   FASHION_MNIST_SYSTEM_DIR     folder of the Debian package, default /usr/share/datasets/fashion-mnist
#   FASHION_MNIST_RETRIES        retries of a failed request (timeout, connection error,
#                                HTTP 5xx), default 3
#   FASHION_MNIST_TIMEOUT        seconds without a connection or without data after which
#                                a request has timed out, default 30
#   FASHION_MNIST_TEST_CHECKSUMS file of "sha256  name" lines that replaces the digests
#                                below, for tests with small fixture files. The script
#                                accepts it only with a FASHION_MNIST_BASE_URL on 127.0.0.1,
#                                so real downloads are always checked against the real digests.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir=${FASHION_MNIST_DOWNLOAD_DIR:-$repo_root/data/fashion-mnist}
system_dir=${FASHION_MNIST_SYSTEM_DIR:-/usr/share/datasets/fashion-mnist}
retries=${FASHION_MNIST_RETRIES:-3}
timeout=${FASHION_MNIST_TIMEOUT:-30}
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

[[ $retries =~ ^[0-9]+$ ]] || fail "FASHION_MNIST_RETRIES=$retries is not a whole number"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || fail "FASHION_MNIST_TIMEOUT=$timeout is not a positive whole number of seconds"

if [[ -n ${FASHION_MNIST_TEST_CHECKSUMS:-} ]]; then
    [[ $base_url =~ ^http://127\.0\.0\.1(:[0-9]+)?(/|$) ]] \
        || fail "FASHION_MNIST_TEST_CHECKSUMS is for tests against a server on 127.0.0.1 only, but FASHION_MNIST_BASE_URL is $base_url; unset FASHION_MNIST_TEST_CHECKSUMS"
    [[ -f $FASHION_MNIST_TEST_CHECKSUMS ]] || fail "FASHION_MNIST_TEST_CHECKSUMS=$FASHION_MNIST_TEST_CHECKSUMS is not a file"
    expected_sha256=()
    while read -r digest name; do
        [[ -n $digest ]] && expected_sha256[$name]=$digest
    done <"$FASHION_MNIST_TEST_CHECKSUMS"
    for name in "${files[@]}"; do
        [[ -n ${expected_sha256[$name]:-} ]] || fail "$FASHION_MNIST_TEST_CHECKSUMS has no digest for $name"
    done
    log "using the test digests in $FASHION_MNIST_TEST_CHECKSUMS"
fi

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

# Temporary files of downloads in progress, removed when the script exits for any reason.
partial_files=()
remove_partial_files() {
    if ((${#partial_files[@]})); then
        rm -f -- "${partial_files[@]}"
    fi
}
trap remove_partial_files EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Explain a failed curl request to URL: curl's exit status STATUS and the HTTP status
# HTTP_CODE of the last response ("000" when there was none).
explain_curl_failure() {
    local url=$1 status=$2 http_code=$3 after=""
    ((retries == 0)) || after=", also after $retries retries"
    case $status in
        22)
            case $http_code in
                404) echo "$url was not found (HTTP 404); check FASHION_MNIST_BASE_URL ($base_url), which must serve the four .gz files" ;;
                403) echo "$url was refused (HTTP 403); check FASHION_MNIST_BASE_URL ($base_url) or use a mirror" ;;
                5*) echo "the server answered HTTP $http_code for $url$after; try again later or use a mirror with FASHION_MNIST_BASE_URL" ;;
                *) echo "the server answered HTTP $http_code for $url" ;;
            esac
            ;;
        28) echo "the request for $url timed out: no data for $timeout seconds$after; check the network, or raise FASHION_MNIST_TIMEOUT" ;;
        6) echo "the host of $url could not be resolved; check the network and FASHION_MNIST_BASE_URL" ;;
        7) echo "could not connect to the server of $url$after; check the network and FASHION_MNIST_BASE_URL" ;;
        18) echo "the connection closed before all of $url arrived$after; run 'make data' again" ;;
        *) echo "downloading $url failed (curl exit status $status); run 'make data' again" ;;
    esac
}

# Download URL to DESTINATION. Shows a progress bar when stderr is a terminal. Retries
# timeouts, connection errors and HTTP 408, 429 and 5xx up to $retries times; an HTTP
# 4xx such as 404 fails at once. Prints the reason and fails on error.
download_to() {
    local url=$1 destination=$2 status=0 http_code
    if command -v curl >/dev/null 2>&1; then
        local progress=(--silent --show-error)
        [[ -t 2 ]] && progress=(--progress-bar)
        http_code=$(curl --fail --location "${progress[@]}" \
            --retry "$retries" --retry-delay 1 --retry-connrefused \
            --connect-timeout "$timeout" --speed-limit 1 --speed-time "$timeout" \
            --write-out '%{http_code}' --output "$destination" "$url") || status=$?
        if ((status != 0)); then
            explain_curl_failure "$url" "$status" "${http_code:-000}"
            return 1
        fi
    elif command -v wget >/dev/null 2>&1; then
        # NOTE: tests/fetch covers the curl branch only; this one has been run by hand.
        local progress=(--quiet)
        [[ -t 2 ]] && progress=(--quiet --show-progress)
        wget "${progress[@]}" --tries=$((retries + 1)) --timeout="$timeout" \
            --output-document="$destination" "$url" || status=$?
        if ((status != 0)); then
            case $status in
                8) echo "the server answered an HTTP error for $url (a 404 means FASHION_MNIST_BASE_URL ($base_url) lacks the file)" ;;
                4) echo "the request for $url failed or timed out after $retries retries; check the network, or raise FASHION_MNIST_TIMEOUT" ;;
                *) echo "downloading $url failed (wget exit status $status); run 'make data' again" ;;
            esac
            return 1
        fi
    else
        echo "neither curl nor wget is installed; install one of them to download $url"
        return 1
    fi
}

# Print why a downloaded FILE from URL cannot be the gzip data it should be, or nothing.
explain_not_gzip() {
    local file=$1 url=$2 start
    start=$(head -c 512 "$file" | tr -d '\0' | tr '[:upper:]' '[:lower:]')
    if [[ $start =~ \<(!doctype|html|head|body) ]]; then
        echo "$url returned an HTML page instead of gzip data (an error or login page); check FASHION_MNIST_BASE_URL ($base_url) or the network's proxy"
    elif [[ ! -s $file ]]; then
        echo "$url returned an empty file"
    fi
}

download_missing_files() {
    local name target partial problem url
    mkdir -p "$data_dir"
    for name in "${files[@]}"; do
        target="$data_dir/$name"
        if [[ -z $(verification_problem "$target" "$name") ]]; then
            continue
        fi
        url="$base_url/$name"
        partial=$(mktemp "$target.part.XXXXXX")
        partial_files+=("$partial")
        log "downloading $url"
        problem=$(download_to "$url" "$partial") || fail "$problem"
        problem=$(explain_not_gzip "$partial" "$url")
        [[ -z $problem ]] || fail "$problem"
        problem=$(verification_problem "$partial" "$name")
        if [[ -n $problem ]]; then
            fail "$name from $url failed verification: $problem; the server may hold another version, or the file was damaged on the way: run 'make data' again or use a mirror"
        fi
        mv -f "$partial" "$target"
        log "verified and saved $target"
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

if [[ ${FASHION_MNIST_SKIP_APT:-} != 1 ]] && command -v apt-get >/dev/null 2>&1; then
    install_debian_package
    folder_is_complete "$system_dir" \
        || fail "the package $debian_package is installed but $system_dir does not contain the four verified files"
    log "verified the four files in $system_dir"
else
    download_missing_files
    folder_is_complete "$data_dir" || fail "the files in $data_dir failed verification"
    log "verified the four files in $data_dir"
fi
