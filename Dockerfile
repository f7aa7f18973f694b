# The compose-lint image: one static executable and nothing else.
#
# Build the binary first (a static glibc executable, see
# scripts/build-release.sh), then the image:
#
#   scripts/build-release.sh
#   docker build -t compose-lint .
#   docker run --rm -v "$PWD:/src" compose-lint
#
# Nothing is pulled: the image starts FROM scratch, so it builds offline.
# BuildKit sets TARGETARCH (amd64, arm64) from --platform; the classic
# builder does not, and then amd64 is used (or --build-arg ARCH=arm64).
#
# What the image does not have: a shell, CA certificates, /etc/passwd or a
# /tmp. compose-lint needs none of them to lint (it opens no network
# connection); `--engine` talks to a mounted Docker socket (see README).
FROM scratch
ARG TARGETARCH
ARG ARCH=${TARGETARCH:-amd64}
COPY dist/linux-${ARCH}/compose-lint /usr/local/bin/compose-lint
# A non-root user (65532, the "nonroot" of distroless images). Files the
# report is written to (--output) must be writable by it.
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/compose-lint"]
# The mounted project (-v "$PWD:/src"), like `compose-lint .` there.
CMD ["."]
