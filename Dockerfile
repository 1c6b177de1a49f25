# Cairn container image.
#
#   docker build -t cairn .
#   docker run -d -p 6379:6379 -v cairn-data:/data -e CAIRN_MAXMEMORY=256mb cairn
#   redis-cli -p 6379 ping
#
# Two stages: `build` installs the toolchain with scripts/install-deps.sh (the script the README
# uses) and builds a Release cairn-server with CMake + Ninja; the runtime stage is
# debian:bookworm-slim with only the shared libraries cairn-server links, plus redis-tools for
# the health check. The server runs as the unprivileged user `cairn`; its data lives in the
# /data volume. Configuration: /etc/cairn/cairn.conf (mount your own file over it) and CAIRN_*
# environment variables (see docker/docker-entrypoint.sh).

ARG DEBIAN_RELEASE=bookworm

############################## build ##########################################
FROM debian:${DEBIAN_RELEASE} AS build

WORKDIR /src
# Dependencies first, so that source changes do not invalidate this layer.
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*

COPY . .
RUN cmake -S . -B build -G Ninja \
        -DCMAKE_BUILD_TYPE=Release \
        -DCAIRN_BUILD_TESTS=OFF \
        -DCAIRN_BUILD_BENCH=OFF \
 && cmake --build build --target cairn-server \
 && strip build/cairn-server \
 && ./build/cairn-server --version

############################## runtime ########################################
FROM debian:${DEBIAN_RELEASE}-slim AS runtime

# The runtime halves of the -dev packages in scripts/install-deps.sh (Boost.Asio, CLI11 and
# protobuf's generated code need no shared library of their own beyond libprotobuf).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libspdlog1.10 \
        libfmt9 \
        libjemalloc2 \
        librocksdb7.8 \
        libprotobuf32 \
        libxxhash0 \
        libprometheus-cpp-core1.0 \
        libprometheus-cpp-pull1.0 \
        libcivetweb1 \
        libssl3 \
        redis-tools \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system cairn \
 && useradd --system --gid cairn --home-dir /data --no-create-home --shell /usr/sbin/nologin cairn \
 && mkdir -p /data /etc/cairn \
 && chown cairn:cairn /data

COPY --from=build /src/build/cairn-server /usr/local/bin/cairn-server
COPY config/cairn.conf /etc/cairn/cairn.conf
COPY docker/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# Fail the image build, not the first container start, if a shared library is missing.
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh \
 && chmod 0644 /etc/cairn/cairn.conf \
 && if ldd /usr/local/bin/cairn-server | grep -q 'not found'; then \
        ldd /usr/local/bin/cairn-server; exit 1; \
    fi \
 && /usr/local/bin/cairn-server --version

USER cairn
WORKDIR /data
VOLUME /data
EXPOSE 6379

# PING over the loopback interface. A password set with CAIRN_REQUIREPASS is used; a port or
# password set only in a mounted config file must also be given as CAIRN_PORT / CAIRN_REQUIREPASS
# for the check to reach the server.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD if [ -n "${CAIRN_REQUIREPASS:-}" ]; then export REDISCLI_AUTH="$CAIRN_REQUIREPASS"; fi; \
        redis-cli -h 127.0.0.1 -p "${CAIRN_PORT:-6379}" ping | grep -q PONG

ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD []
