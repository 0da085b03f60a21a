# The pgmanager image: one Fly machine (or container) = the pgmanager sidecar supervising one PostgreSQL server.
#
#   docker build -t pgmanager .                 # anywhere Docker Hub is reachable (Fly's remote builder)
#   fly deploy                                  # the same, through fly.toml
#
# Build arguments (all optional):
#   BASE_IMAGE  the Debian bookworm image both stages start from (default debian:bookworm-slim)
#   PG_MAJOR    the PostgreSQL major version, from Debian's packages (default 15, the one bookworm ships)
#   JDK_IMAGE   an image that holds a JDK 25 at JDK_HOME; used only to build (compile, then jlink a small runtime)
#   JDK_HOME    where JDK_IMAGE keeps it (default /opt/java/openjdk, as in the eclipse-temurin images)
#
# Why the JDK comes from an image: Debian bookworm has no JDK 25. Where a registry is reachable, the official
# Temurin image is the simplest and best-cached source. A machine that reaches no registry (our CI reaches Maven Central
# and Debian's mirror only) imports a JDK it already has as an image of its own and names it, e.g.
#   tar -C /usr/lib/jvm/temurin-25-jdk-amd64 -c -h --transform 's,^\.,opt/java/openjdk,' . | docker import - local/jdk:25
#   docker build --build-arg JDK_IMAGE=local/jdk:25 .
# so this file builds unchanged in both places (.ci/run does exactly that). Nothing of the JDK image reaches the
# runtime stage except the runtime jlink makes from it. Downloads in the build stage (the Maven distribution, the
# dependencies) go through Java, so they trust what the JDK's cacerts trusts: -h above brings a host's own trust store
# along where the JDK links to it (Debian's /etc/ssl/certs/java/cacerts), as a mirror behind a private CA needs.
ARG BASE_IMAGE=debian:bookworm-slim
ARG JDK_IMAGE=eclipse-temurin:25-jdk
ARG JDK_HOME=/opt/java/openjdk

FROM ${JDK_IMAGE} AS jdk

# ---- build: the jar (the committed BPF object inside it: no clang needed), and a small Java runtime -----------------
FROM ${BASE_IMAGE} AS build
ARG JDK_HOME
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        unzip binutils \
    && rm -rf /var/lib/apt/lists/*
COPY --from=jdk ${JDK_HOME} /opt/jdk
ENV JAVA_HOME=/opt/jdk PATH=/opt/jdk/bin:$PATH
WORKDIR /src

# Dependencies get a layer of their own: it is rebuilt only when a pom or the wrapper changes, not for every source edit.
COPY mvnw ./
COPY .mvn .mvn
COPY pom.xml ./
COPY config-store/pom.xml config-store/
COPY leader-election/pom.xml leader-election/
COPY ebpf/pom.xml ebpf/
COPY pgmanager/pom.xml pgmanager/
COPY local-platform/pom.xml local-platform/
COPY container-tests/pom.xml container-tests/
# (Building the modules with no sources yet fetches every dependency and plugin the real build uses, which
# dependency:go-offline does not manage for a multi-module reactor; -Dexec.skip leaves the BPF object's check for later.
# Three attempts: the wrapper's download of Maven itself does not retry a connection reset.)
RUN for attempt in 1 2 3; do \
        ./mvnw -B -q -pl pgmanager -am package -DskipTests -Dexec.skip=true && break; \
        [ "$attempt" = 3 ] && exit 1; echo "retrying the download ($attempt failed)"; sleep 5; \
    done \
    && rm -rf */target

COPY config-store/src config-store/src
COPY leader-election/src leader-election/src
COPY ebpf/src ebpf/src
COPY pgmanager/src pgmanager/src
RUN ./mvnw -B -q -o package -DskipTests -pl pgmanager -am \
    && cp pgmanager/target/pgmanager.jar /opt/pgmanager.jar

# A runtime with only the modules the jar uses (jdeps finds them; java.naming and jdk.management are reached by
# reflection in ZooKeeper and logback), plus a class-data archive for a faster start: about 60 MB instead of 300.
RUN modules="$(jdeps --ignore-missing-deps --print-module-deps --multi-release 25 /opt/pgmanager.jar)" \
    && jlink --add-modules "$modules,java.naming,jdk.management" \
        --strip-debug --no-man-pages --no-header-files --compress=zip-6 --generate-cds-archive \
        --output /opt/jre

# ---- runtime: Debian, PostgreSQL from Debian's packages, the runtime, pgmanager -------------------------------------
FROM ${BASE_IMAGE}
ARG PG_MAJOR=15
# Debian's postgresql packages create a "main" cluster when installed; the sidecar owns the only cluster here.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
    && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/pgmanager.conf \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "postgresql-${PG_MAJOR}" pgbackrest libbpf1 tini openssl \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
COPY --from=build /opt/jre /opt/pgmanager/jre
COPY --from=build /opt/pgmanager.jar /opt/pgmanager/pgmanager.jar
COPY docker/pgmanager /usr/local/bin/pgmanager
COPY docker/entrypoint /usr/local/bin/pgmanager-entrypoint
# The JDK's AOT cache, with which the sidecar starts in about half the time (every migration restarts it): recorded from
# a training member of its own on loopback, launched as the sidecar is, which leaves nothing behind (about 10 s).
RUN pgmanager aot-cache --output /opt/pgmanager/pgmanager.aot --pg-bin /usr/lib/postgresql/${PG_MAJOR}/bin
# What flyctl runs inside the leader: "connect DB USER PASSWORD" (fly pg connect) and "stolonctl-run BASE64"
# (fly pg config update on an image that is not postgres-flex).
COPY docker/connect /usr/local/bin/connect
COPY docker/stolonctl-run /usr/local/bin/stolonctl-run

# flyctl reads these labels: fly.app_role makes the app a Postgres app (every fly pg command checks it);
# fly.pg-manager picks flyctl's code path: anything but "repmgr" is its HTTP path (failover and restart through
# /commands/admin/failover/trigger, config show through /commands/admin/settings/view, config update through
# stolonctl-run), which pgmanager serves; "repmgr" would make flyctl stop the leader's machine and run repmgr over SSH
# to fail over. fly.version "custom" tells flyctl not to hold the image to flyio/postgres's version numbers.
LABEL fly.app_role=postgres_cluster \
      fly.pg-manager=pgmanager \
      fly.version=custom \
      fly.pg-version=${PG_MAJOR}

# The data directory lives on the machine's volume, mounted at /data (fly.toml [mounts]). A machine made by
# fly pg create gets only PRIMARY_REGION and the secrets, so whatever a Fly member needs is set here: the primary
# router on 5432, the flyctl API on 5500, and pgmanager's own superuser, a role apart from the operator's postgres
# (whose password is OPERATOR_PASSWORD, as fly pg create prints it).
ENV PGMANAGER_DATA_DIR=/data/postgresql \
    PGMANAGER_PG_BIN_DIR=/usr/lib/postgresql/${PG_MAJOR}/bin \
    PGMANAGER_PG_MAJOR=${PG_MAJOR} \
    PGMANAGER_SUPERUSER=flypgadmin \
    PGMANAGER_ROUTER_LISTEN=[::]:5432 \
    PGMANAGER_FLY_API_LISTEN=[::]:5500
WORKDIR /data
# 5432 the primary router, 5433 PostgreSQL, 5500 the flyctl API and Fly's checks, 8008 the sidecar's HTTP API,
# 9187 Prometheus metrics (the sidecar's defaults; fly.toml matches).
EXPOSE 5432 5433 5500 8008 9187
# tini is PID 1: it reaps the orphans PostgreSQL's tools leave and passes the kill signal on to the sidecar, which then
# hands leadership over before it stops PostgreSQL (ha.stop_handover_timeout, within fly.toml's kill_timeout).
# The entrypoint runs "pgmanager <arguments>" ("run", the sidecar, by default; "store serve ..." runs a ZooKeeper).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/pgmanager-entrypoint"]
CMD ["run"]
